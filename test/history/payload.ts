import { fnv1a, Prng } from './prng.js';

/**
 * What a consumer is told to do with a message, carried in its payload so that every consumer (on any
 * node, after any reconnect) treats the same message the same way.
 * - `normal`: acked, sooner or later (each delivery draws how);
 * - `poison`: never acked, so it must end dead-lettered with reason `max-attempts`;
 * - `reject`: nacked with requeue:false, so it must end dead-lettered with reason `rejected`.
 */
export type Fate = 'normal' | 'poison' | 'reject';

/** The payload of every message the driver publishes: the op id it belongs to and a checksum of it. */
export interface OpPayload {
  op: string;
  fate: Fate;
  data: string;
  sum: number;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_"\\/{}[]:,éß€漢😀\n\t';

export function makePayload(op: string, fate: Fate, rng: Prng): OpPayload {
  // Mostly small, sometimes a few KB: integrity must hold whatever the size.
  const length = rng.chance(0.05) ? rng.int(1000, 6000) : rng.int(0, 120);
  const chars = Array.from(ALPHABET);
  let data = '';
  for (let i = 0; i < length; i++) data += chars[rng.int(0, chars.length - 1)];
  return { op, fate, data, sum: checksum(op, fate, data) };
}

export function checksum(op: string, fate: string, data: string): number {
  return fnv1a(`${op}\u0000${fate}\u0000${data}`);
}

/** The payload as an OpPayload when it is one and its checksum holds, else null. */
export function readPayload(payload: unknown): OpPayload | null {
  if (payload === null || typeof payload !== 'object') return null;
  const p = payload as Partial<OpPayload>;
  if (typeof p.op !== 'string' || typeof p.fate !== 'string' || typeof p.data !== 'string' || typeof p.sum !== 'number') return null;
  if (Object.keys(p).length !== 4) return null;
  return checksum(p.op, p.fate, p.data) === p.sum ? (p as OpPayload) : null;
}

/** The op id a payload claims, even when its checksum fails (to place a damaged delivery in the history). */
export function claimedOp(payload: unknown): string | null {
  const op = (payload as { op?: unknown } | null)?.op;
  return typeof op === 'string' ? op : null;
}
