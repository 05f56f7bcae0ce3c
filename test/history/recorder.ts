import type { FaultEvent, HistoryEvent, Incarnation } from './history.js';
import { ServerProcess } from './server-process.js';

type Unsequenced<T> = T extends HistoryEvent ? Omit<T, 'seq'> : never;

/** Appends events in invoke order; an operation is recorded when sent and completed in place when answered. */
export class Recorder {
  readonly events: HistoryEvent[] = [];
  private seq = 0;

  record<T extends HistoryEvent>(event: Unsequenced<T>): T {
    const full = { ...event, seq: this.seq++ } as unknown as T;
    this.events.push(full);
    return full;
  }
}

/**
 * The nodes under test and which incarnation of each is running, so every operation can be tagged with
 * the process that received it (and so with how that process ended).
 */
export class Cluster {
  readonly incarnations: Incarnation[] = [];
  private readonly current: Incarnation[] = [];

  constructor(
    readonly servers: ServerProcess[],
    private readonly recorder: Recorder,
  ) {}

  get size(): number {
    return this.servers.length;
  }

  url(node: number): string {
    return this.servers[node].url;
  }

  /** The incarnation an operation sent to `node` now reaches (the last one, when it is down). */
  incarnation(node: number): string {
    return this.current[node]?.id ?? `n${node}.0`;
  }

  isUp(node: number): boolean {
    return this.servers[node].running;
  }

  async start(node: number): Promise<void> {
    // The new incarnation begins at spawn: from then on a connection may reach it.
    await this.servers[node].start(() => this.begin(node));
  }

  /**
   * Stops `node` with `signal` and records the fault; `whileStopping` runs from the signal until the
   * process is gone. Unless `restartAfterMs` is null the node is started again after that long.
   */
  async fault(node: number, signal: FaultEvent['signal'], restartAfterMs: number | null, whileStopping?: () => () => void): Promise<FaultEvent> {
    const incarnation = this.current[node];
    const at = Date.now();
    const stopping = this.servers[node].stop(signal);
    const done = whileStopping?.();
    const { exitCode, exitedAt } = await stopping;
    done?.();
    Object.assign(incarnation, { endedAt: exitedAt, end: signal });
    const event = this.recorder.record<FaultEvent>({ type: 'fault', node, incarnation: incarnation.id, signal, at, exitedAt, exitCode });
    if (restartAfterMs !== null) {
      await new Promise((resolve) => setTimeout(resolve, restartAfterMs));
      await this.start(node);
      event.restartedAt = Date.now();
    }
    return event;
  }

  /** Stops every node at the end of the run (gracefully; not a fault). */
  async stopAll(): Promise<void> {
    await Promise.all(
      this.servers.map(async (server, node) => {
        const { exitedAt } = await server.stop('SIGTERM');
        const incarnation = this.current[node];
        if (incarnation && !incarnation.end) Object.assign(incarnation, { endedAt: exitedAt, end: 'end-of-run' });
      }),
    );
  }

  /** Kills whatever still runs (clean-up after a failure). */
  async killAll(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop('SIGKILL')));
  }

  private begin(node: number): void {
    const count = this.incarnations.filter((i) => i.node === node).length;
    const incarnation: Incarnation = { id: `n${node}.${count + 1}`, node, startedAt: Date.now() };
    this.incarnations.push(incarnation);
    this.current[node] = incarnation;
  }
}
