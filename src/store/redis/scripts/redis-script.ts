/** One atomic transition, run with EVALSHA (ioredis `defineCommand` caches it and falls back to EVAL). */
export interface RedisScript {
  /** Command name on the client; also the method of the store that runs it. */
  readonly name: string;
  /** The body; the store prepends PRELUDE. */
  readonly lua: string;
}
