import type { ScenarioOptions } from './scenario.js';

/**
 * The two scenarios. sqlite: one node, restarted on its own data; redis: two nodes on one
 * Redis, producers and consumers on both. The short versions run inside `npm test`.
 */
export function shortScenario(store: 'sqlite' | 'redis', seed: number, chaosMs = 30_000): ScenarioOptions {
  return store === 'sqlite'
    ? { store, seed, chaosMs, nodes: 1, sigkills: 3, sigterms: 1, producers: 3, consumers: 4, members: 3, drainTimeoutMs: 40_000 }
    : { store, seed, chaosMs, nodes: 2, sigkills: 3, sigterms: 1, producers: 4, consumers: 4, members: 3, drainTimeoutMs: 40_000 };
}

/** A long run: a SIGKILL about every 10 s and a SIGTERM about every 3 minutes (at least one). */
export function longScenario(store: 'sqlite' | 'redis', seed: number, chaosMs: number): ScenarioOptions {
  const sigterms = Math.max(1, Math.round(chaosMs / 180_000));
  const sigkills = Math.max(3, Math.round(chaosMs / 10_000) - sigterms);
  return { ...shortScenario(store, seed, chaosMs), sigkills, sigterms, drainTimeoutMs: 120_000 };
}
