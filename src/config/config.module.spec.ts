import { Test } from '@nestjs/testing';
import { CourierConfigModule } from './config.module.js';
import { CourierConfig } from './courier-config.js';

describe(CourierConfigModule.name, () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  it('provides the validated config, with overrides winning over the environment', async () => {
    process.env.MAX_ATTEMPTS = '7';
    process.env.LOG_LEVEL = 'warn';
    const moduleRef = await Test.createTestingModule({ imports: [CourierConfigModule.forRoot({ LOG_LEVEL: 'error', PORT: '0' })] }).compile();

    const sut = moduleRef.get(CourierConfig);

    expect(sut).toMatchObject({ maxAttempts: 7, logLevel: 'error', port: 0 });
    await moduleRef.close();
  });

  it('refuses to start on a bad variable, naming it', async () => {
    process.env.STORE = 'mongo';

    expect(() => CourierConfigModule.forRoot()).toThrow('Invalid environment variable STORE="mongo"');
  });

  it('takes a config validated before (main.ts) as it is', async () => {
    const given = CourierConfig.with({ PORT: '1234' });
    process.env.PORT = 'not a port';
    const moduleRef = await Test.createTestingModule({ imports: [CourierConfigModule.forRoot(given)] }).compile();

    expect(moduleRef.get(CourierConfig)).toBe(given);
    await moduleRef.close();
  });
});
