import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { NodeId } from '../common/node-id.js';
import { CourierConfig } from '../config/courier-config.js';
import { WakeBus } from '../queue/wake-bus.js';
import { closeRedis, connectRedis, createRedisClient } from '../store/redis/redis-connection.js';
import { Channel } from '../store/stored-message.js';

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
 * Pub/sub is fire-and-forget: a wake lost while Redis is away is made up by the next publish, ack or
 * sweep of that channel, and nothing stored is lost with it.
 */
@Injectable()
export class RedisWakeBus extends WakeBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisWakeBus.name);
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly topic: string;
  private pending = new Map<string, Channel>();
  private flushScheduled = false;

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
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([closeRedis(this.pub), closeRedis(this.sub)]);
  }

  override wake(channels: readonly Channel[]): void {
    super.wake(channels);
    for (const c of channels) this.pending.set(`${c.ns}\0${c.kind}\0${c.name}\0${c.client}`, c);
    if (this.pending.size === 0 || this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const channels = [...this.pending.values()];
    this.pending = new Map();
    if (channels.length === 0 || this.pub.status !== 'ready') return;
    const message: WakeMessage = { n: this.nodeId.value, c: channels.map((c) => [c.ns, c.kind, c.name, c.client]) };
    this.pub.publish(this.topic, JSON.stringify(message)).catch((error: Error) => this.logger.debug(`wake not sent: ${error.message}`));
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
