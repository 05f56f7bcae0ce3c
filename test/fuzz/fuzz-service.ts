import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawHttp } from '../support/raw-http.js';
import { CourierNode, ensureBuilt } from '../support/redis.js';

/** A small MAX_PAYLOAD_BYTES, so that requests over it are cheap to send. */
export const LIMIT_BYTES = 32_768;

/**
 * The fuzzed names: every queue and room a generated request may touch, in both namespaces. Few on
 * purpose: requests then collide on the same queues (a subscribe, a publish, an ack of what it
 * delivered), and the stored state of all of them is cheap to read before and after each request.
 */
export const POOL_QUEUES = ['fz-q1', 'fz.q2', 'fz:q3'] as const;
export const POOL_ROOMS = ['fz-r1', 'fz.r2'] as const;

/**
 * One `node dist/main.js` over a fresh SQLite directory, as the fuzz specs attack it: a real process,
 * so "never crashes" means the process is still running.
 */
export class FuzzService {
  readonly http: RawHttp;

  private constructor(
    readonly node: CourierNode,
    private readonly dataDir: string,
  ) {
    this.http = new RawHttp(node.url);
  }

  static async start(): Promise<FuzzService> {
    await ensureBuilt();
    const dataDir = mkdtempSync(join(tmpdir(), 'courier-fuzz-'));
    try {
      const node = await CourierNode.start({
        STORE: 'sqlite',
        DATA_DIR: dataDir,
        MAX_PAYLOAD_BYTES: String(LIMIT_BYTES),
        // No redelivery or max-attempts dead-lettering during a run: held messages stay where they are,
        // so the stored state moves only when a request moves it.
        ACK_TIMEOUT_MS: '3600000',
        // Two deliveries: a getAll or two already reach the dead-letter rule, which fuzzed events then exercise.
        MAX_ATTEMPTS: '2',
      });
      return new FuzzService(node, dataDir);
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  get url(): string {
    return this.node.url;
  }

  async stop(): Promise<void> {
    this.http.close();
    await this.node.kill('SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
