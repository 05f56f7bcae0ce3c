import type { FaultEvent } from './history.js';
import { Prng } from './prng.js';

export interface PlannedFault {
  /** When, from the start of the run. */
  atMs: number;
  node: number;
  signal: FaultEvent['signal'];
  /** How long the node stays down before it is started again on the same port and data. */
  downMs: number;
}

/**
 * The faults of a run, drawn from the seed alone: `sigkills` kill -9 and `sigterms` graceful stops
 * spread over `durationMs`, one per slot of equal length so that each node is up again (and clients
 * back) before the next fault, the SIGTERMs in slots drawn at random.
 */
export function planFaults(seed: number, durationMs: number, nodes: number, sigkills: number, sigterms: number): PlannedFault[] {
  const rng = Prng.fork(seed, 'faults');
  const count = sigkills + sigterms;
  if (count === 0) return [];
  const slotMs = (durationMs - 1000) / count;
  const slots = Array.from({ length: count }, (_, i) => i);
  const termSlots = new Set<number>();
  while (termSlots.size < sigterms) termSlots.add(rng.pick(slots.filter((s) => !termSlots.has(s))));
  return slots.map((slot) => ({
    atMs: Math.round(1000 + slot * slotMs + rng.next() * slotMs * 0.5),
    node: rng.int(0, nodes - 1),
    signal: termSlots.has(slot) ? 'SIGTERM' : 'SIGKILL',
    downMs: rng.int(100, 1500),
  }));
}
