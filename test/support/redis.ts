import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';

/** The Redis the tests use: REDIS_URL, as for the app, else the local default. */
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** A key prefix no other run or test shares: `courier-test:<random>:`. */
export function uniquePrefix(): string {
  return `courier-test:${randomBytes(6).toString('hex')}:`;
}

/**
 * A plain client for test set-up and clean-up. Fails (never skips) with the line the brief asks for when
 * Redis does not answer, so a missing Redis is a red test, not a silently green one.
 */
export async function connectTestRedis(url = REDIS_URL): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, protocol: 2, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Error(`Redis not reachable at REDIS_URL=${url}: start redis-server (${(error as Error).message})`);
  }
  return client;
}

/** Deletes every key under `prefix` (SCAN + UNLINK, never KEYS or FLUSHDB: other runs share this Redis). */
export async function deleteByPrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await client.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Keys under `prefix` (a test checks that nothing is left behind or that a failed call wrote nothing). */
export async function keysByPrefix(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
