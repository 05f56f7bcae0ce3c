import { INestApplicationContext, Logger } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { CourierConfig } from '../config/courier-config.js';
import { CourierIoAdapter } from '../gateways/courier-io.adapter.js';
import { closeRedis, createRedisClient } from '../store/redis/redis-connection.js';

type IoServer = ReturnType<CourierIoAdapter['createIOServer']>;

/**
 * The Socket.IO server of a cluster node (`STORE=redis`): CourierIoAdapter plus the Redis adapter, so
 * `server.to(room).emit(...)` — every socket of a client id, `$alarms` — reaches the sockets of that room
 * on every node. Its channels are named `<REDIS_PREFIX>socket.io#/<namespace>#…`.
 */
export class ClusterIoAdapter extends CourierIoAdapter {
  private readonly clusterLogger = new Logger(ClusterIoAdapter.name);
  private readonly pub: Redis;
  private readonly sub: Redis;

  constructor(
    app: INestApplicationContext,
    private readonly clusterConfig: CourierConfig,
  ) {
    super(app, clusterConfig);
    this.pub = createRedisClient(clusterConfig.redisUrl, 'socket.io-pub');
    this.sub = createRedisClient(clusterConfig.redisUrl, 'socket.io-sub', 'subscriber');
    // The adapter publishes without handling a rejection; while Redis is away a broadcast is dropped
    // (as Socket.IO drops it for a disconnected socket) instead of crashing the process.
    const publish = this.pub.publish.bind(this.pub) as (channel: string | Buffer, message: string | Buffer) => Promise<number>;
    (this.pub as { publish: unknown }).publish = (channel: string | Buffer, message: string | Buffer) =>
      publish(channel, message).catch((error: Error) => {
        this.clusterLogger.debug(`broadcast not sent: ${error.message}`);
        return 0;
      });
    // Both connect in the background; the store's open() has already made sure Redis is there.
    for (const client of [this.pub, this.sub]) client.connect().catch(() => undefined);
  }

  override createIOServer(port: number, options?: Parameters<CourierIoAdapter['createIOServer']>[1]): IoServer {
    const server = super.createIOServer(port, options);
    server.adapter(createAdapter(this.pub, this.sub, { key: `${this.clusterConfig.redisPrefix}socket.io` }) as Parameters<IoServer['adapter']>[0]);
    return server;
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    await Promise.all([closeRedis(this.pub), closeRedis(this.sub)]);
  }
}
