import { ChannelStats } from '../store/stored-message.js';

/** Contract §4 `QueueStats`. */
export interface QueueStats {
  name: string;
  ready: number;
  inFlight: number;
  delayed: number;
  deadLettered: number;
  consumers: number;
  published: number;
  acked: number;
  redelivered: number;
  oldestReadyAgeMs: number;
}

export function toQueueStats(s: ChannelStats, consumers: number, now: number): QueueStats {
  return {
    name: s.name,
    ready: s.ready,
    inFlight: s.inFlight,
    delayed: s.delayed,
    deadLettered: s.deadLettered,
    consumers,
    published: s.published,
    acked: s.acked,
    redelivered: s.redelivered,
    oldestReadyAgeMs: s.oldestReadyAt === null ? 0 : Math.max(0, now - s.oldestReadyAt),
  };
}
