import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';

/** Readiness: 200 once the app listens and the store answers; 503 when the store cannot be used. */
@Controller('health')
export class HealthController {
  constructor(@Inject(MESSAGE_STORE) private readonly store: MessageStore) {}

  @Get()
  async check(): Promise<{ status: 'ok'; store: 'up' }> {
    try {
      await this.store.ping();
    } catch (error) {
      throw new ServiceUnavailableException({ status: 'error', store: 'down', message: (error as Error).message });
    }
    return { status: 'ok', store: 'up' };
  }
}
