import fc from 'fast-check';
import { closeAllClients } from '../support/connect-client.js';
import { fuzzParameters, fuzzTimeout } from './fuzz-params.js';
import { FuzzService } from './fuzz-service.js';
import {
  deepPublishes,
  dotRequests,
  headerPublishes,
  nameRequests,
  nearValidPublishes,
  nullPublishes,
  prototypePublishes,
  queryRequests,
  rawPublishes,
  sizedPublishes,
} from './rest-arbitraries.js';
import type { RestCase } from './rest-model.js';
import { RestFuzz } from './rest-runner.js';

/**
 * Property-based fuzzing of the REST API (contract §4) against a real `node dist/main.js`. Every
 * generated request must be answered well formed and as the contract says, must leave the process
 * running, must store nothing when refused, and must deliver what it stored as sent; an innocent
 * consumer keeps getting its canaries throughout. Each class of input is its own property.
 *
 * FUZZ_SEED=<seed> [FUZZ_PATH=<path>] replays a failure; FUZZ_RUNS=<n> runs each property n times.
 */
const PROPERTIES: [string, fc.Arbitrary<RestCase>, number][] = [
  ['publish bodies valid but for one thing (types, ranges, lengths, unknown fields)', nearValidPublishes, 200],
  ['publish bodies with optional fields null', nullPublishes, 50],
  ['publish bodies with fields named like Object.prototype members', prototypePublishes, 80],
  ['publish bodies nested around and far past 64 levels', deepPublishes, 60],
  ['publish bodies around MAX_PAYLOAD_BYTES', sizedPublishes, 40],
  ['publish bodies that are not JSON, or not a message', rawPublishes, 120],
  ['publishes with odd Content-Type, Idempotency-Key, Authorization and x-api-key headers', headerPublishes, 120],
  ['list routes with arbitrary query strings', queryRequests, 120],
  ['every route with valid and invalid names in its path', nameRequests, 150],
  ['every route with . or .. as the name', dotRequests, 40],
];

describe('REST fuzz', () => {
  let service: FuzzService;
  let fuzz: RestFuzz;

  beforeAll(async () => {
    service = await FuzzService.start();
    fuzz = await RestFuzz.start(service);
  }, 240_000);
  afterAll(async () => {
    fuzz?.close();
    closeAllClients();
    await service?.stop();
  });

  for (const [name, requests, runs] of PROPERTIES) {
    it(
      name,
      async () => {
        await fc.assert(
          fc.asyncProperty(requests, (c) => fuzz.check(c)),
          fuzzParameters(runs),
        );
      },
      fuzzTimeout(runs),
    );
  }
});
