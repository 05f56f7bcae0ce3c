import type { MessageSpec } from './history.js';
import { Fate, makePayload, OpPayload } from './payload.js';
import { Prng } from './prng.js';

export const NAMESPACE = 'events';

/** A message ready to publish: what the history records, and the body the server gets. */
export interface Draft {
  spec: MessageSpec;
  payload: OpPayload;
}

/**
 * The queues and the room of a run and the shape of its messages. Queues come in generations (a new
 * pair every `generationMs`) so that no queue collects more dead letters than one listing returns
 * (1000). The room is one for the run, its durable members (`members`) joined before the first publish
 * and never leaving, so that every room publish must reach each of them.
 */
export class Workload {
  readonly room = 'hist-room';
  private readonly queues: string[] = [];
  private readonly listeners: ((queues: string[]) => void)[] = [];
  private generation = 0;

  constructor(
    private readonly queuesPerGeneration: number,
    readonly generationMs: number,
    readonly members: readonly string[],
  ) {
    this.nextGeneration();
  }

  /** Every queue so far (consumers subscribe to all of them). */
  allQueues(): string[] {
    return [...this.queues];
  }

  /** The queues producers publish to now. */
  currentQueues(): string[] {
    return this.queues.slice(-this.queuesPerGeneration);
  }

  onNewQueues(listener: (queues: string[]) => void): void {
    this.listeners.push(listener);
  }

  nextGeneration(): void {
    this.generation++;
    const added = Array.from({ length: this.queuesPerGeneration }, (_, i) => `hist-g${this.generation}-q${i + 1}`);
    this.queues.push(...added);
    for (const listener of this.listeners) listener(added);
  }

  /**
   * A new message with op id `op` for `channel` (the room when `toRoom`). Most are plain; some expire
   * (ttlMs), wait (delayMs), have a priority, carry a dedup key (single publishes only: a batch answer
   * has no `duplicate`), are poison or are to be rejected.
   */
  draft(op: string, channel: string, rng: Prng, single: boolean, toRoom = false): Draft {
    const fate: Fate = rng.weighted({ normal: 96.5, poison: 1.5, reject: 2 });
    const spec: MessageSpec = { op, channel, fate, ...(toRoom ? { members: [...this.members] } : {}) };
    if (single && rng.chance(0.2)) spec.key = `key-${op}`;
    if (rng.chance(0.12)) spec.ttlMs = rng.int(1000, 8000);
    if (rng.chance(0.05)) spec.delayMs = rng.int(100, 1500);
    if (rng.chance(0.2)) spec.priority = rng.int(0, 9);
    return { spec, payload: makePayload(op, fate, rng) };
  }
}

/** The publish body of one message (REST body, socket `publish` minus `queue` or `room`, or a batch entry). */
export function messageBody({ spec, payload }: Draft): Record<string, unknown> {
  return {
    payload,
    headers: { 'x-op': spec.op },
    ...(spec.key !== undefined ? { key: spec.key } : {}),
    ...(spec.ttlMs !== undefined ? { ttlMs: spec.ttlMs } : {}),
    ...(spec.delayMs !== undefined ? { delayMs: spec.delayMs } : {}),
    ...(spec.priority !== undefined ? { priority: spec.priority } : {}),
  };
}
