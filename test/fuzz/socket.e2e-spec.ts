import fc from 'fast-check';
import { closeAllClients } from '../support/connect-client.js';
import { fuzzParameters, fuzzTimeout } from './fuzz-params.js';
import { FuzzService } from './fuzz-service.js';
import { dotEvents, everyEvent, filteredGetAllScenarios, heavyEvents, nullPublishEvents, prototypePublishEvents } from './socket-arbitraries.js';
import type { SocketCase } from './socket-model.js';
import { SocketFuzz } from './socket-runner.js';

/**
 * Property-based fuzzing of the Socket.IO protocol (contract §3) against a real `node dist/main.js`:
 * every event of both namespaces, unknown events, any JSON value, wrong arity, binary attachments, with
 * and without an acknowledgement callback. Each event sent with a callback must be answered, well formed
 * and as the contract says; no event may crash the process, drop a connection, or store anything when
 * refused; what a publish stored arrives as sent; the innocent consumers keep getting their canaries.
 *
 * FUZZ_SEED=<seed> [FUZZ_PATH=<path>] replays a failure; FUZZ_RUNS=<n> runs each property n times.
 */
const PROPERTIES: [string, fc.Arbitrary<SocketCase>, number][] = [
  ['every event of both namespaces, and unknown events, with near-valid and arbitrary payloads', everyEvent, 600],
  ['publish and publishBatch with optional fields null', nullPublishEvents, 60],
  ['publish and publishBatch with fields named like Object.prototype members', prototypePublishEvents, 80],
  ['events nested past 64 levels, near MAX_PAYLOAD_BYTES, or with binary attachments', heavyEvents, 80],
  ['events naming . or .. as a queue, room or store', dotEvents, 40],
];

/** Runs of the getAll scenario; each is about six events. */
const SCENARIO_RUNS = 25;

describe('socket fuzz', () => {
  let service: FuzzService;
  let fuzz: SocketFuzz;

  beforeAll(async () => {
    service = await FuzzService.start();
    fuzz = await SocketFuzz.start(service);
  }, 240_000);
  afterAll(async () => {
    fuzz?.close();
    closeAllClients();
    await service?.stop();
  });

  it(
    'getAll { event } for an event no message carries leaves every other message alone',
    async () => {
      await fc.assert(
        fc.asyncProperty(filteredGetAllScenarios, async (steps) => {
          for (const step of steps) await fuzz.check(step);
        }),
        fuzzParameters(SCENARIO_RUNS, 6),
      );
    },
    fuzzTimeout(SCENARIO_RUNS, 6),
  );

  for (const [name, events, runs] of PROPERTIES) {
    it(
      name,
      async () => {
        await fc.assert(
          fc.asyncProperty(events, (c) => fuzz.check(c)),
          fuzzParameters(runs),
        );
      },
      fuzzTimeout(runs),
    );
  }
});
