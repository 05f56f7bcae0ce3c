import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { AppModule } from './app.module.js';
import { setupApp } from './app-setup.js';
import { validateEnv } from './config/env.schema.js';

async function bootstrap(): Promise<void> {
  // Fail fast, before Nest starts, with one line naming the bad variable.
  if (existsSync('.env')) process.loadEnvFile('.env');
  validateEnv(process.env);
  const app = await NestFactory.create(AppModule.forRoot());
  const config = setupApp(app);
  await app.listen(config.port, config.host);
  new Logger('Courier').log(`listening on http://${config.host}:${config.port} (store: ${config.store})`);
}

bootstrap().catch((error: Error) => {
  process.stderr.write(`courier: ${error.message}\n`);
  process.exit(1);
});
