import { Logger } from '@nestjs/common';
import { Redis, RedisOptions } from 'ioredis';

/** Reconnect delays grow by this much per attempt, up to RECONNECT_MAX_MS: Redis coming back is noticed within a second. */
const RECONNECT_STEP_MS = 100;
const RECONNECT_MAX_MS = 1000;
/** A Redis that accepts the connection but does not answer must not hang callers either. */
const COMMAND_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 5000;
/** Connection errors repeat on every reconnect attempt: log one per this interval. */
const ERROR_LOG_INTERVAL_MS = 10_000;

export type RedisRole = 'command' | 'subscriber';

/**
 * Connection options every Courier client shares. A command client fails fast while Redis is away
 * (no offline queue, no retry of a command whose connection dropped: a Lua script may have run already,
 * so resending it could apply a transition twice) and reconnects by itself, forever, in the background.
 * A subscriber keeps its subscribe commands queued instead, and ioredis subscribes again on reconnect.
 */
export function redisOptions(connectionName: string, role: RedisRole = 'command'): RedisOptions {
  return {
    lazyConnect: true,
    connectionName,
    // RESP2: the reply shapes the scripts and the Socket.IO adapter are written against (ioredis 6 defaults to RESP3).
    protocol: 2,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // How long a dropped connection's socket may take to close before it is destroyed (default 2 s).
    disconnectTimeout: 200,
    retryStrategy: (times: number) => Math.min(times * RECONNECT_STEP_MS, RECONNECT_MAX_MS),
    ...(role === 'command'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, commandTimeout: COMMAND_TIMEOUT_MS }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true }),
  };
}

/** A client for `url` (not yet connected: call `connectRedis`), logging connection errors without flooding the log. */
export function createRedisClient(url: string, connectionName: string, role: RedisRole = 'command'): Redis {
  const client = new Redis(url, redisOptions(connectionName, role));
  handleInternalRejections(client);
  const logger = new Logger(`Redis ${connectionName}`);
  let lastLogged = 0;
  client.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = now;
    logger.warn(`${error.message} (reconnecting)`);
  });
  return client;
}

/**
 * After a reconnection ioredis subscribes again (and selects the database) by itself, without handling a
 * failure of those commands: if the connection drops again before they are answered, the rejection is
 * unhandled and Node ends the process. Their promises are marked handled here; a caller that awaits one
 * still gets the rejection.
 */
function handleInternalRejections(client: Redis): void {
  for (const name of ['subscribe', 'psubscribe', 'ssubscribe', 'select'] as const) {
    const original = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const sent = original(...args);
      sent.catch(() => undefined);
      return sent;
    };
  }
}

/**
 * Connects, or throws one clear line and stops reconnecting (start-up must not hang on a Redis that is not
 * there). `url` is shown without its password.
 */
export async function connectRedis(client: Redis, url: string): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`Redis not reachable at REDIS_URL=${redactUrl(url)}: ${(error as Error).message}`);
  }
}

/** Quits politely when connected, or drops the connection attempt. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    await client.quit().catch(() => client.disconnect());
  } else if (client.status !== 'end') {
    client.disconnect();
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}
