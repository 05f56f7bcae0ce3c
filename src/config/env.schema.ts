import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

/** One `API_KEYS` entry: `key`, `key=ns1|ns2`, optionally `;clients=pattern|pattern` (`*` = any run of characters). */
const API_KEY_ENTRY = /^[^,=|;\s]+(=[A-Za-z0-9._:-]+(\|[A-Za-z0-9._:-]+)*)?(;clients=[A-Za-z0-9._:*-]+(\|[A-Za-z0-9._:*-]+)*)?$/;
const API_KEYS_PATTERN = /^$|^\s*[^,\s][^,]*(,\s*[^,\s][^,]*)*$/;

/** Variables whose value is never shown in an error (contract §1): keys, secrets, and Redis passwords. */
const SECRET = new Set<string>(['API_KEYS', 'JWT_SECRET']);

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value);

/** Every variable of the contract (§1), with its default. Unknown variables are ignored. */
export class EnvSchema {
  @Transform(toInt) @IsInt({ message: 'must be an integer from 0 to 65535' }) @Min(0) @Max(65535)
  PORT: number = 3000;

  @IsString() @MinLength(1)
  HOST: string = '127.0.0.1';

  @IsIn(['sqlite', 'memory', 'redis'], { message: 'must be one of sqlite, memory, redis' })
  STORE: 'sqlite' | 'memory' | 'redis' = 'sqlite';

  @IsString() @MinLength(1)
  DATA_DIR: string = './data';

  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  /** Not in the contract: lets several deployments (or test runs) share one Redis. */
  @Matches(/^[A-Za-z0-9._:{}-]{1,64}$/, { message: 'must be 1 to 64 of A-Z a-z 0-9 . _ : { } -' })
  REDIS_PREFIX: string = 'courier:';

  @Transform(toInt) @IsInt({ message: 'must be a whole number of milliseconds' }) @Min(1) @Max(24 * 60 * 60 * 1000)
  ACK_TIMEOUT_MS: number = 30000;

  @Transform(toInt) @IsInt({ message: 'must be an integer from 1 to 1000' }) @Min(1) @Max(1000)
  MAX_ATTEMPTS: number = 5;

  @Transform(toInt) @IsInt({ message: 'must be a whole number of bytes' }) @Min(1024) @Max(64 * 1024 * 1024)
  MAX_PAYLOAD_BYTES: number = 1048576;

  @Matches(API_KEYS_PATTERN, { message: 'must be comma-separated entries, each key, key=ns1|ns2 or key=ns;clients=id-*|other' })
  API_KEYS: string = '';

  @IsString()
  JWT_SECRET: string = '';

  @IsIn(['debug', 'info', 'warn', 'error'], { message: 'must be one of debug, info, warn, error' })
  LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error' = 'info';

  @Transform(toInt) @IsInt({ message: 'must be a positive integer' }) @Min(1)
  DEPTH_ALARM: number = 10000;

  @IsString()
  CORS_ORIGINS: string = '';

  @IsIn(['NORMAL', 'FULL'])
  SQLITE_SYNCHRONOUS: 'NORMAL' | 'FULL' = 'NORMAL';

  @Transform(toInt) @IsInt({ message: 'must be a whole number of requests per second (0 = off)' }) @Min(0)
  RATE_LIMIT_HTTP: number = 5000;

  @Transform(toInt) @IsInt({ message: 'must be a whole number of events per second (0 = off)' }) @Min(0)
  RATE_LIMIT_SOCKET: number = 0;
}

/** What each variable must be, for the one-line start-up error. */
const EXPECTED: Record<keyof EnvSchema, string> = {
  PORT: 'must be an integer from 0 to 65535',
  HOST: 'must be a host name or address',
  STORE: 'must be one of sqlite, memory, redis',
  DATA_DIR: 'must be a directory path',
  REDIS_URL: 'must be a redis:// or rediss:// URL',
  REDIS_PREFIX: 'must be 1 to 64 of A-Z a-z 0-9 . _ : { } -',
  ACK_TIMEOUT_MS: 'must be an integer from 1 to 86400000 (milliseconds)',
  MAX_ATTEMPTS: 'must be an integer from 1 to 1000',
  MAX_PAYLOAD_BYTES: 'must be an integer from 1024 to 67108864 (bytes)',
  API_KEYS: 'must be comma-separated entries, each key, key=ns1|ns2 or key=ns;clients=id-*|other',
  JWT_SECRET: 'must be a string',
  LOG_LEVEL: 'must be one of debug, info, warn, error',
  DEPTH_ALARM: 'must be a positive integer',
  CORS_ORIGINS: 'must be a comma-separated list of origins',
  SQLITE_SYNCHRONOUS: 'must be NORMAL or FULL',
  RATE_LIMIT_HTTP: 'must be a whole number of requests per second per client (0 = off)',
  RATE_LIMIT_SOCKET: 'must be a whole number of events per second per socket (0 = off)',
};

/**
 * Validates the environment once at start-up. Throws an Error whose message is one line naming the
 * first bad variable, e.g. `Invalid environment variable PORT="abc": must be an integer from 0 to 65535`.
 */
export function validateEnv(env: Record<string, unknown>): EnvSchema {
  const known = Object.keys(new EnvSchema());
  const given: Record<string, unknown> = {};
  for (const name of known) {
    const value = env[name];
    if (value !== undefined && value !== '') given[name] = value;
  }
  const parsed = plainToInstance(EnvSchema, given);
  const [error] = validateSync(parsed, { skipMissingProperties: false });
  const badKey = error ? -1 : badApiKeyEntry(parsed.API_KEYS);
  if (error || badKey >= 0) {
    const name = (error ? error.property : 'API_KEYS') as keyof EnvSchema;
    const where = badKey >= 0 ? ` (entry ${badKey + 1} is malformed)` : '';
    throw new Error(`Invalid environment variable ${name}${shown(name, env[name])}: ${EXPECTED[name]}${where}`);
  }
  return parsed;
}

/** The index of the first malformed `API_KEYS` entry, or -1. */
function badApiKeyEntry(raw: string): number {
  if (!raw.trim()) return -1;
  return raw.split(',').findIndex((entry) => !API_KEY_ENTRY.test(entry.trim()));
}

/** `=<value>` for the error line, without a secret: keys and secrets are not shown, a Redis URL loses its password. */
function shown(name: string, value: unknown): string {
  if (SECRET.has(name)) return ' (value not shown)';
  if (name === 'REDIS_URL' && typeof value === 'string') return `=${JSON.stringify(value.replace(/\/\/[^/]*@/g, '//***@'))}`;
  return `=${JSON.stringify(value)}`;
}
