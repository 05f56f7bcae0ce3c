import { CourierConfig } from './courier-config.js';

describe(CourierConfig.name, () => {
  describe('with', () => {
    it('gives the contract defaults, typed', () => {
      const sut = CourierConfig.with();

      expect({ ...sut }).toEqual({
        port: 3000,
        host: '127.0.0.1',
        store: 'sqlite',
        dataDir: './data',
        redisUrl: 'redis://127.0.0.1:6379',
        sqliteSynchronous: 'NORMAL',
        rateLimitHttp: 5000,
        rateLimitSocket: 0,
        redisPrefix: 'courier:',
        ackTimeoutMs: 30000,
        maxAttempts: 5,
        maxPayloadBytes: 1048576,
        apiKeys: '',
        jwtSecret: '',
        logLevel: 'info',
        depthAlarm: 10000,
        corsOrigins: [],
      });
    });

    it('applies overrides after validating them', () => {
      const sut = CourierConfig.with({ ACK_TIMEOUT_MS: '1000', MAX_ATTEMPTS: '3', STORE: 'memory' });

      expect(sut).toMatchObject({ ackTimeoutMs: 1000, maxAttempts: 3, store: 'memory' });
      expect(() => CourierConfig.with({ MAX_ATTEMPTS: '0' })).toThrow(/MAX_ATTEMPTS/);
    });

    it('splits CORS_ORIGINS on commas and drops blanks', () => {
      expect(CourierConfig.with({ CORS_ORIGINS: ' http://a.test , ,http://b.test,' }).corsOrigins).toEqual(['http://a.test', 'http://b.test']);
    });
  });
});
