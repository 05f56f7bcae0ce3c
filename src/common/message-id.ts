import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 16 * 512;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * A UUIDv7 (RFC 9562): 48 bits of epoch ms, then random bits. Ids are opaque to clients, but being
 * time-ordered they append at the end of the store's id index instead of landing on a random page,
 * which keeps inserts cheap at any depth. Random bytes come from a pooled buffer.
 */
export function newMessageId(now = Date.now()): string {
  if (offset + 10 > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const r = pool.subarray(offset, offset + 10);
  offset += 10;
  const ms = now.toString(16).padStart(12, '0').slice(-12);
  const hex = r.toString('hex');
  const variant = ((r[2] & 0x3f) | 0x80).toString(16).padStart(2, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${hex.slice(0, 3)}-${variant}${hex.slice(6, 8)}-${hex.slice(8, 20)}`;
}
