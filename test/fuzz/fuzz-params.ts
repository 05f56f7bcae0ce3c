import fc from 'fast-check';

/**
 * fast-check settings shared by the fuzz specs. `FUZZ_SEED` (with `FUZZ_PATH`, both printed with a
 * failure) replays a run; `FUZZ_RUNS` replaces every property's run count, so `FUZZ_RUNS=3000` is a long
 * soak and `FUZZ_RUNS=20` a quick look.
 */
const runsAsked = Number(process.env.FUZZ_RUNS);
const longRun = Number.isInteger(runsAsked) && runsAsked > 0;

/** About what one fuzzed request costs (the request, reading the stored state, the checks), with room to spare. */
const MS_PER_RUN = 50;

/** How long a property may take in CI, shrinking included: its requests at MS_PER_RUN each, at least 3 s. */
function timeLimitMs(runs: number, requestsPerRun: number): number {
  return Math.max(3_000, runs * requestsPerRun * MS_PER_RUN);
}

/** @param requestsPerRun how many requests one run sends (a scenario sends several) */
export function fuzzParameters<T>(defaultRuns: number, requestsPerRun = 1): fc.Parameters<T> {
  const seed = Number(process.env.FUZZ_SEED);
  const path = process.env.FUZZ_PATH;
  return {
    numRuns: longRun ? runsAsked : defaultRuns,
    ...(process.env.FUZZ_SEED && Number.isInteger(seed) ? { seed } : {}),
    ...(path ? { path } : {}),
    // A run asked for explicitly gets no bound; in CI an interrupted property passes with the runs it made.
    plugins: longRun ? [] : [fc.interruptAfterTimeLimit(timeLimitMs(defaultRuns, requestsPerRun))],
  };
}

/** The jest timeout for a property run with fuzzParameters: its time limit plus slack for the last run and shrinking. */
export function fuzzTimeout(defaultRuns: number, requestsPerRun = 1): number {
  return longRun ? 6 * 3_600_000 : timeLimitMs(defaultRuns, requestsPerRun) + 20_000;
}
