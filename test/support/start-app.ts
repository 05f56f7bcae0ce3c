import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../../src/app.module.js';
import { setupApp } from '../../src/app-setup.js';
import { EnvSchema } from '../../src/config/env.schema.js';

export interface RunningApp {
  app: INestApplication;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  dataDir: string;
  /** Closes the app; removes the data dir unless `keepData`. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts the real application in this process on a random port with a fresh SQLite directory
 * (unless `DATA_DIR` / `STORE` are given), exactly as main.ts does.
 */
export async function startApp(overrides: Partial<Record<keyof EnvSchema, string>> = {}): Promise<RunningApp> {
  const dataDir = overrides.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'courier-test-'));
  const app = await NestFactory.create(AppModule.forRoot({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'error', ...overrides }), {
    logger: ['error'],
  });
  setupApp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    async close(options = {}) {
      await app.close();
      if (!options.keepData && !overrides.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
