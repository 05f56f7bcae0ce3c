/**
 * The long history check, outside jest:
 *
 *   npm run test:history -- --minutes 10 [--seed S] [--store sqlite|redis|both] [--save history.json]
 *
 * Runs the sqlite scenario (one node) and the redis scenario (two nodes), each for `--minutes`, prints
 * each report and exits 1 when either has a violation. `--seed` (or HISTORY_SEED) replays a run.
 */
import { writeFileSync } from 'node:fs';
import { checkHistory } from './checker.js';
import { formatReport } from './report.js';
import { chooseSeed } from './prng.js';
import { longScenario } from './scenarios.js';
import { runScenario } from './scenario.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const minutes = Number(option('minutes') ?? 10);
if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, got ${option('minutes')}`);
const seed = chooseSeed(option('seed') ?? process.env.HISTORY_SEED);
const which = option('store') ?? 'both';
const stores = which === 'both' ? (['sqlite', 'redis'] as const) : [which as 'sqlite' | 'redis'];
if (!stores.every((s) => s === 'sqlite' || s === 'redis')) throw new Error(`--store must be sqlite, redis or both, got ${which}`);

let failed = false;
for (const store of stores) {
  console.log(`history ${store}: ${minutes} min, seed ${seed}`);
  const history = await runScenario({ ...longScenario(store, seed, minutes * 60_000), progress: (line) => console.log(`  ${line}`) });
  const save = option('save');
  if (save) writeFileSync(save.replace(/(\.json)?$/, `-${store}.json`), JSON.stringify(history));
  const result = checkHistory(history);
  console.log(formatReport(history, result), '\n');
  failed ||= result.violations.length > 0;
}
process.exit(failed ? 1 : 0);
