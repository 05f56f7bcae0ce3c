import { ensureBuilt } from '../support/redis.js';
import { checkHistory } from './checker.js';
import { chooseSeed } from './prng.js';
import { formatReport } from './report.js';
import { runScenario } from './scenario.js';
import { shortScenario } from './scenarios.js';

/** Each scenario's faults and traffic last this long; drain and start-up come on top (about 15 s). */
const CHAOS_MS = 30_000;

/**
 * The short history check: real server processes killed (SIGKILL) and stopped (SIGTERM) under load from
 * REST and socket producers and socket consumers, then every message's history checked against the
 * contract. The seed is random per run and printed; HISTORY_SEED=<seed> replays a run's schedule.
 * `npm run test:history -- --minutes N` is the long version.
 */
describe('history check', () => {
  const seed = chooseSeed(process.env.HISTORY_SEED);

  beforeAll(async () => {
    console.log(`history check seed ${seed} (replay with HISTORY_SEED=${seed})`);
    // Built once up front: a build (src newer than dist) must not eat into a scenario's time.
    await ensureBuilt();
  }, 300_000);

  it.each(['sqlite', 'redis'] as const)(
    'keeps every confirmed message of a %s store through SIGKILLs and a SIGTERM',
    async (store) => {
      const history = await runScenario({ ...shortScenario(store, seed, CHAOS_MS), deadlineMs: CHAOS_MS + 120_000 });
      const result = checkHistory(history);
      const report = formatReport(history, result);
      if (result.violations.length > 0) throw new Error(report);
      console.log(report);
      // A run that checked nothing proves nothing.
      expect(result.messagesChecked).toBeGreaterThan(100);
      expect(result.sigkills + result.sigterms).toBe(4);
    },
    CHAOS_MS + 150_000,
  );
});
