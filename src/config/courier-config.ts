import { EnvSchema, validateEnv } from './env.schema.js';

/** The validated configuration, typed and parsed once; injected wherever a setting is needed. */
export class CourierConfig {
  readonly port: number;
  readonly host: string;
  readonly store: 'sqlite' | 'memory' | 'redis';
  readonly dataDir: string;
  readonly redisUrl: string;
  /** Prefix of every Redis key and pub/sub channel (REDIS_PREFIX, default `courier:`). */
  readonly redisPrefix: string;
  readonly ackTimeoutMs: number;
  readonly maxAttempts: number;
  readonly maxPayloadBytes: number;
  /** Raw `API_KEYS`; parsed by the auth module. */
  readonly apiKeys: string;
  readonly jwtSecret: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly depthAlarm: number;
  readonly corsOrigins: string[];
  /** SQLite `synchronous`: NORMAL survives a process crash, FULL also a power loss. */
  readonly sqliteSynchronous: 'NORMAL' | 'FULL';
  /** REST requests per second per client (API key, else address); 0 = no limit. */
  readonly rateLimitHttp: number;
  /** Socket events per second per socket; 0 = no limit. */
  readonly rateLimitSocket: number;

  constructor(env: EnvSchema) {
    this.port = env.PORT;
    this.host = env.HOST;
    this.store = env.STORE;
    this.dataDir = env.DATA_DIR;
    this.redisUrl = env.REDIS_URL;
    this.redisPrefix = env.REDIS_PREFIX;
    this.ackTimeoutMs = env.ACK_TIMEOUT_MS;
    this.maxAttempts = env.MAX_ATTEMPTS;
    this.maxPayloadBytes = env.MAX_PAYLOAD_BYTES;
    this.apiKeys = env.API_KEYS;
    this.jwtSecret = env.JWT_SECRET;
    this.logLevel = env.LOG_LEVEL;
    this.depthAlarm = env.DEPTH_ALARM;
    this.sqliteSynchronous = env.SQLITE_SYNCHRONOUS;
    this.rateLimitHttp = env.RATE_LIMIT_HTTP;
    this.rateLimitSocket = env.RATE_LIMIT_SOCKET;
    this.corsOrigins = env.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean);
  }

  /** Defaults of every variable, some overridden (validated like the environment): handy in tests. */
  static with(overrides: Partial<Record<keyof EnvSchema, string>> = {}): CourierConfig {
    return new CourierConfig(validateEnv(overrides));
  }
}
