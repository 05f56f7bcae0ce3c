import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { CourierConfig } from '../config/courier-config.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';
import { NewMessage } from '../store/stored-message.js';
import { Dispatcher } from './dispatcher.js';
import { WakeBus } from './wake-bus.js';

/** Longest wait between sweeps: other nodes' writes can make things due that this node never saw. */
const MAX_IDLE_MS = 1000;

/**
 * Drives the time-based transitions: delays coming due, ack timeouts (redelivery or dead letter at
 * MAX_ATTEMPTS) and TTL expiry. One timer, set for the store's next due time, never one per message.
 */
@Injectable()
export class RedeliveryScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RedeliveryScheduler.name);
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private running = false;
  private stopped = false;

  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    private readonly dispatcher: Dispatcher,
    private readonly wakeBus: WakeBus,
    private readonly clock: Clock,
    private readonly config: CourierConfig,
  ) {
    // Every claim sets a deadline; make sure a sweep runs right after it.
    dispatcher.onDeliver(() => this.dueAt(dispatcher.deadline(this.clock.now())));
  }

  /**
   * Start-up recovery: a single-node store's in-flight messages belong to a process that is gone, so
   * they are released now (dead-lettered if that was their last attempt). A shared store leaves them
   * to their ack deadlines, since other nodes may still hold them.
   */
  async onApplicationBootstrap(): Promise<void> {
    const recoverAll = !this.store.shared;
    let result;
    do {
      result = await this.store.sweep(this.clock.now(), this.config.maxAttempts, recoverAll);
      this.wakeBus.wake(result.woken);
    } while (result.nextDueAt !== null && result.nextDueAt <= this.clock.now());
    this.arm(result.nextDueAt);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Something becomes due at `at` (a delay, a deadline, a TTL): sweep no later than then. */
  dueAt(at: number): void {
    if (at < this.timerAt) this.arm(at);
  }

  /** A message stored at `now` with a delay or a TTL needs a sweep when that comes due. */
  dueAfter(now: number, message: NewMessage): void {
    if (message.delayMs > 0) this.dueAt(now + message.delayMs);
    if (message.ttlMs > 0) this.dueAt(now + message.ttlMs);
  }

  /** Runs one sweep now; tests call it after moving a fake clock. */
  async sweepNow(): Promise<void> {
    if (this.running) return;
    this.running = true;
    let next: number | null = null;
    try {
      const now = this.clock.now();
      const result = await this.store.sweep(now, this.config.maxAttempts, false);
      this.dispatcher.expireHeld(now);
      this.wakeBus.wake(result.woken);
      if (result.timedOut || result.expired) this.logger.debug(`sweep: ${result.timedOut} timed out, ${result.expired} expired`);
      next = result.nextDueAt;
    } catch (error) {
      this.logger.warn(`sweep failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
    this.arm(next);
  }

  private arm(at: number | null): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const when = Math.min(at ?? Infinity, now + MAX_IDLE_MS);
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = when;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      void this.sweepNow();
    }, Math.max(0, when - now));
    this.timer.unref();
  }
}
