import { EnvSchema, validateEnv } from './env.schema.js';

describe(validateEnv.name, () => {
  it('fills in every default of the contract when nothing is set', () => {
    expect({ ...validateEnv({}) }).toEqual({
      PORT: 3000,
      HOST: '127.0.0.1',
      STORE: 'sqlite',
      DATA_DIR: './data',
      REDIS_URL: 'redis://127.0.0.1:6379',
      SQLITE_SYNCHRONOUS: 'NORMAL',
      RATE_LIMIT_HTTP: 5000,
      RATE_LIMIT_SOCKET: 0,
      REDIS_PREFIX: 'courier:',
      ACK_TIMEOUT_MS: 30000,
      MAX_ATTEMPTS: 5,
      MAX_PAYLOAD_BYTES: 1048576,
      API_KEYS: '',
      JWT_SECRET: '',
      LOG_LEVEL: 'info',
      DEPTH_ALARM: 10000,
      CORS_ORIGINS: '',
    });
  });

  it('returns an EnvSchema', () => {
    expect(validateEnv({})).toBeInstanceOf(EnvSchema);
  });

  it('treats an empty variable as unset', () => {
    expect(validateEnv({ PORT: '', STORE: '', MAX_ATTEMPTS: '' })).toMatchObject({ PORT: 3000, STORE: 'sqlite', MAX_ATTEMPTS: 5 });
  });

  it('parses numbers and keeps the strings given', () => {
    const env = validateEnv({
      PORT: '0',
      HOST: '0.0.0.0',
      STORE: 'memory',
      DATA_DIR: '/var/lib/courier',
      REDIS_URL: 'rediss://user:pw@cache:6380/2',
      SQLITE_SYNCHRONOUS: 'NORMAL',
      RATE_LIMIT_HTTP: 5000,
      RATE_LIMIT_SOCKET: 10000,
      REDIS_PREFIX: 'courier-eu:',
      ACK_TIMEOUT_MS: ' 1500 ',
      MAX_ATTEMPTS: '1',
      MAX_PAYLOAD_BYTES: '2048',
      API_KEYS: 'k1, k2=caps|events',
      JWT_SECRET: 's3cret',
      LOG_LEVEL: 'debug',
      DEPTH_ALARM: '5',
      CORS_ORIGINS: 'http://a.test,http://b.test',
    });

    expect({ ...env }).toEqual({
      PORT: 0,
      HOST: '0.0.0.0',
      STORE: 'memory',
      DATA_DIR: '/var/lib/courier',
      REDIS_URL: 'rediss://user:pw@cache:6380/2',
      SQLITE_SYNCHRONOUS: 'NORMAL',
      RATE_LIMIT_HTTP: 5000,
      RATE_LIMIT_SOCKET: 10000,
      REDIS_PREFIX: 'courier-eu:',
      ACK_TIMEOUT_MS: 1500,
      MAX_ATTEMPTS: 1,
      MAX_PAYLOAD_BYTES: 2048,
      API_KEYS: 'k1, k2=caps|events',
      JWT_SECRET: 's3cret',
      LOG_LEVEL: 'debug',
      DEPTH_ALARM: 5,
      CORS_ORIGINS: 'http://a.test,http://b.test',
    });
  });

  it('ignores variables it does not know', () => {
    expect(validateEnv({ PATH: '/usr/bin', NODE_ENV: 'test' })).not.toHaveProperty('PATH');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['STORE', 'mongo'],
    ['ACK_TIMEOUT_MS', '0'],
    ['ACK_TIMEOUT_MS', '1s'],
    ['MAX_ATTEMPTS', '0'],
    ['MAX_ATTEMPTS', 'five'],
    ['MAX_PAYLOAD_BYTES', '10'],
    ['LOG_LEVEL', 'loud'],
    ['API_KEYS', 'k1='],
    ['API_KEYS', 'k1=caps||events'],
    ['API_KEYS', 'k1,,k2'],
    ['API_KEYS', 'k1=bad ns'],
    ['REDIS_URL', 'http://x'],
    ['REDIS_PREFIX', 'has space'],
    ['DEPTH_ALARM', '0'],
  ])('refuses %s=%s with one line naming the variable', (name, value) => {
    let message = '';
    try {
      validateEnv({ [name]: value });
    } catch (error) {
      message = (error as Error).message;
    }

    const echoed = name === 'API_KEYS' ? ' \\(value not shown\\)' : `=${JSON.stringify(value).replace(/[|.*+?()[\]\\]/g, '\\$&')}`;
    expect(message).toMatch(new RegExp(`^Invalid environment variable ${name}${echoed}: \\S`));
    expect(message).not.toContain('\n');
  });

  it.each([
    ['API_KEYS', 'good-key-1, good-key-2=caps, bad key'],
    ['API_KEYS', 'sk-live-123=caps;clients=vendor-*|, other'],
    ['REDIS_URL', 'redis://admin:hunter2@cache:6379 extra'],
  ])('never echoes a secret of %s', (name, value) => {
    let message = '';
    try {
      validateEnv({ [name]: value });
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toMatch(new RegExp(`^Invalid environment variable ${name}`));
    for (const secret of ['good-key-1', 'good-key-2', 'bad key', 'sk-live-123', 'hunter2']) expect(message).not.toContain(secret);
  });

  it('says which API_KEYS entry is malformed', () => {
    expect(() => validateEnv({ API_KEYS: 'a, b=caps, c=bad ns' })).toThrow(/API_KEYS \(value not shown\): .*\(entry 3 is malformed\)$/);
  });

  it('names the bad variable even when others are fine', () => {
    expect(() => validateEnv({ PORT: '8080', STORE: 'mongo', LOG_LEVEL: 'warn' })).toThrow(
      'Invalid environment variable STORE="mongo": must be one of sqlite, memory, redis',
    );
  });

  it('accepts each valid API_KEYS form', () => {
    for (const keys of ['solo', 'a,b', 'a=caps', 'a=caps|events, b', 'k-1=caps:eu|events.v2', 'v=caps;clients=vendor-*|driver-*', 'w;clients=a*']) {
      expect(validateEnv({ API_KEYS: keys }).API_KEYS).toBe(keys);
    }
  });
});
