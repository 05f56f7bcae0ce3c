import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { NAMESPACES } from '../common/namespaces.js';
import { CourierConfig } from '../config/courier-config.js';
import { QueueService } from '../queue/queue.service.js';

export interface DepthAlarm {
  queue: string;
  ready: number;
  threshold: number;
}

export type AlarmListener = (ns: string, event: 'alarm' | 'alarm-cleared', alarm: DepthAlarm) => void;

const CHECK_EVERY_MS = 1000;

/**
 * Depth alarms: a queue whose ready count rises above DEPTH_ALARM raises `alarm` (logged, exported as a
 * metric, sent to the `$alarms` room); it clears when the count falls below half of it again, so a
 * queue hovering at the threshold does not flap.
 */
@Injectable()
export class DepthMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DepthMonitor.name);
  private readonly alarmed = new Set<string>();
  private readonly listeners: AlarmListener[] = [];
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly queues: QueueService,
    private readonly config: CourierConfig,
  ) {}

  onAlarm(listener: AlarmListener): void {
    this.listeners.push(listener);
  }

  isAlarmed(ns: string, queue: string): boolean {
    return this.alarmed.has(`${ns}\0${queue}`);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Compares every queue with the threshold once; runs every second, and tests call it directly. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    const threshold = this.config.depthAlarm;
    try {
      for (const ns of NAMESPACES) {
        for (const { name, ready } of await this.queues.list(ns)) {
          const key = `${ns}\0${name}`;
          if (!this.alarmed.has(key) && ready > threshold) {
            this.alarmed.add(key);
            this.logger.warn(`queue ${ns}/${name} has ${ready} ready messages, above DEPTH_ALARM=${threshold}`);
            this.emit(ns, 'alarm', { queue: name, ready, threshold });
          } else if (this.alarmed.has(key) && ready < threshold / 2) {
            this.alarmed.delete(key);
            this.logger.log(`queue ${ns}/${name} is back to ${ready} ready messages`);
            this.emit(ns, 'alarm-cleared', { queue: name, ready, threshold });
          }
        }
      }
    } catch (error) {
      this.logger.warn(`depth check failed: ${(error as Error).message}`);
    } finally {
      this.checking = false;
    }
  }

  private emit(ns: string, event: 'alarm' | 'alarm-cleared', alarm: DepthAlarm): void {
    for (const listener of this.listeners) listener(ns, event, alarm);
  }
}
