import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CourierConfig } from '../config/courier-config.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';

/** A store that takes longer than this to answer a ping counts as down. */
export const STORE_PING_TIMEOUT_MS = 2000;

/** `up` while the message store answers a ping, `down` (with the reason) when it does not. */
@Injectable()
export class StoreHealthIndicator {
  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    private readonly indicator: HealthIndicatorService,
    private readonly config: CourierConfig,
  ) {}

  check(key = 'store') {
    return this.indicator
      .check(key)
      .attempt(async () => {
        await this.store.ping();
        return { kind: this.config.store };
      })
      .withTimeout(STORE_PING_TIMEOUT_MS);
  }
}
