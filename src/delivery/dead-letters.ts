import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { assertName } from '../common/names.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';
import { Channel, DeadLetter } from '../store/stored-message.js';
import { WakeBus } from './wake-bus.js';

/** Listing and redriving dead letters, the same for a queue and for a room's copies. */
@Injectable()
export class DeadLetters {
  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    private readonly wakeBus: WakeBus,
    private readonly clock: Clock,
  ) {}

  /** Oldest first, at most `limit`. */
  list(ns: string, kind: Channel['kind'], name: string, limit: number): Promise<DeadLetter[]> {
    return this.store.deadLetters(ns, kind, assertName(kind, name), limit);
  }

  /** Back to ready at attempt 1 (room copies each to its own client id); returns how many. */
  async redrive(ns: string, kind: Channel['kind'], name: string): Promise<number> {
    assertName(kind, name);
    const before = (await this.store.stats(ns, kind, name))?.deadLettered ?? 0;
    this.wakeBus.wake(await this.store.redrive(ns, kind, name, this.clock.now()));
    return before;
  }
}
