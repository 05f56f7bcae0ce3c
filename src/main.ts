import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { AppModule } from './app.module.js';
import { setupApp } from './app-setup.js';
import { CourierConfig } from './config/courier-config.js';
import { validateEnv } from './config/env.schema.js';

/** SIGTERM/SIGINT: stop accepting, let writes commit, close sockets, exit 0 — or exit 1 if that takes over 10 s. */
const SHUTDOWN_DEADLINE_MS = 9000;

async function bootstrap(): Promise<void> {
  // The one read of .env and the one validation: fail fast, before Nest starts, with one line naming the bad variable.
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = new CourierConfig(validateEnv(process.env));
  const app = await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  setupApp(app);
  await app.listen(config.port, config.host);
  const logger = new Logger('Courier');
  logger.log(`listening on http://${config.host}:${config.port} (store: ${config.store})`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down`);
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error(`shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

bootstrap().catch((error: Error) => {
  process.stderr.write(`courier: ${error.message}\n`);
  process.exit(1);
});
