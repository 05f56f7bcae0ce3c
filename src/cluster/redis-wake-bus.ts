import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { NodeId } from '../common/node-id.js';
import { CourierConfig } from '../config/courier-config.js';
import { WakeBus } from '../delivery/wake-bus.js';
import { closeRedis, connectRedis, createRedisClient } from '../store/redis/redis-connection.js';
import { Channel } from '../store/stored-message.js';

/** Channels remembered for a wake after a reconnect (the most recently woken ones). */
const RECENT_MAX = 10_000;
/**
 * Wakes held back by an outage are sent when this node reconnects, and once more this long after: other
 * nodes' subscriptions come back within about a second of Redis (reconnect backoff tops at 1 s), and a
 * wake published before they are back is lost to them.
 */
const RESEND_AFTER_MS = 2000;

/** What goes over the wire: the sending node, and channels as [ns, kind, name, client]. */
interface WakeMessage {
  readonly n: string;
  readonly c: [string, Channel['kind'], string, string][];
}

/**
 * The WakeBus of a cluster (`STORE=redis`): a publish on one node must wake the consumers connected to
 * the others. Wakes are delivered here at once, and PUBLISHed on `<prefix>wake` once per event-loop turn
 * (channels of a turn coalesced), so a burst of publishes costs one Redis message. Other nodes' wakes are
 * delivered here; a node's own echo is skipped by its node id.
 *
 * Pub/sub is fire-and-forget, so around a Redis outage: wakes this node could not send are kept (one
 * per channel) and sent once it reconnects, and again RESEND_AFTER_MS later for nodes whose subscription
 * came back after that; when its own subscription comes back it wakes, here, every
 * channel it has seen lately (RECENT_MAX), since wakes published meanwhile were lost. Nothing stored
 * depends on a wake: a channel missed by both is served at its next publish, ack or subscribe.
 */
@Injectable()
export class RedisWakeBus extends WakeBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisWakeBus.name);
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly topic: string;
  private pending = new Map<string, Channel>();
  private flushScheduled = false;
  private readonly recent = new Map<string, Channel>();
  /** Wakes that waited for a reconnection, to be sent again RESEND_AFTER_MS after it. */
  private held = new Map<string, Channel>();
  private resendTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: CourierConfig,
    private readonly nodeId: NodeId,
  ) {
    super();
    this.topic = `${config.redisPrefix}wake`;
    this.pub = createRedisClient(config.redisUrl, 'wake-pub');
    this.sub = createRedisClient(config.redisUrl, 'wake-sub', 'subscriber');
  }

  async onModuleInit(): Promise<void> {
    await Promise.all([connectRedis(this.pub, this.config.redisUrl), connectRedis(this.sub, this.config.redisUrl)]);
    this.sub.on('message', (topic: string, text: string) => {
      if (topic === this.topic) this.receive(text);
    });
    await this.sub.subscribe(this.topic);
    // Registered after the first connection: each 'ready' from now on is a reconnection.
    this.sub.on('ready', () => {
      for (const channel of [...this.recent.values()]) this.deliverLocally(channel);
    });
    this.pub.on('ready', () => this.reconnected());
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.resendTimer) clearTimeout(this.resendTimer);
    await Promise.all([closeRedis(this.pub), closeRedis(this.sub)]);
  }

  override wake(channels: readonly Channel[]): void {
    super.wake(channels);
    for (const c of channels) this.pending.set(keyOf(c), c);
    this.scheduleFlush();
  }

  protected override deliverLocally(channel: Channel): void {
    const key = keyOf(channel);
    this.recent.delete(key);
    this.recent.set(key, channel);
    if (this.recent.size > RECENT_MAX) this.recent.delete(this.recent.keys().next().value as string);
    super.deliverLocally(channel);
  }

  private scheduleFlush(): void {
    if (this.pending.size === 0 || this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.size === 0) return;
    if (this.pub.status !== 'ready') {
      // While Redis is away the wakes wait here (one per channel) for the reconnection.
      for (const [key, c] of this.pending) this.held.set(key, c);
      return;
    }
    const channels = [...this.pending.values()];
    this.pending = new Map();
    const message: WakeMessage = { n: this.nodeId.value, c: channels.map((c) => [c.ns, c.kind, c.name, c.client]) };
    this.pub.publish(this.topic, JSON.stringify(message)).catch((error: Error) => {
      this.logger.debug(`wake not sent, kept for the reconnection: ${error.message}`);
      for (const c of channels) {
        if (!this.pending.has(keyOf(c))) this.pending.set(keyOf(c), c);
        this.held.set(keyOf(c), c);
      }
    });
  }

  /** Sends what waited for the reconnection now, and once more when the other nodes are surely back. */
  private reconnected(): void {
    this.scheduleFlush();
    if (this.held.size === 0) return;
    const again = this.held;
    this.held = new Map();
    if (this.resendTimer) clearTimeout(this.resendTimer);
    this.resendTimer = setTimeout(() => {
      this.resendTimer = null;
      for (const [key, c] of again) this.pending.set(key, c);
      this.scheduleFlush();
    }, RESEND_AFTER_MS);
    this.resendTimer.unref();
  }

  private receive(text: string): void {
    let message: WakeMessage;
    try {
      message = JSON.parse(text) as WakeMessage;
    } catch {
      return;
    }
    if (message.n === this.nodeId.value || !Array.isArray(message.c)) return;
    for (const [ns, kind, name, client] of message.c) this.deliverLocally({ ns, kind, name, client });
  }
}

function keyOf(c: Channel): string {
  return `${c.ns}\0${c.kind}\0${c.name}\0${c.client}`;
}
