import 'reflect-metadata';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommonModule } from '../src/common/common.module.js';
import { CourierConfigModule } from '../src/config/config.module.js';
import { QueueModule } from '../src/queue/queue.module.js';
import { QueueService } from '../src/queue/queue.service.js';
import { StoreModule } from '../src/store/store.module.js';

/** The engine's modules as AppModule wires them, without the HTTP and Socket.IO edges (and their metrics). */
@Module({})
class EngineModule {}

export interface Engine {
  readonly app: INestApplicationContext;
  readonly queues: QueueService;
  readonly dataDir: string;
  /** Closes the engine and removes its data dir. */
  close(): Promise<void>;
}

/** Starts config, store and queue engine on a fresh temp dir, as the app does at boot. */
export async function startEngine(store: 'sqlite' | 'memory'): Promise<Engine> {
  const dataDir = mkdtempSync(join(tmpdir(), 'courier-bench-'));
  const app = await NestFactory.createApplicationContext(
    {
      module: EngineModule,
      imports: [CourierConfigModule.forRoot({ STORE: store, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error' }), CommonModule, StoreModule, QueueModule],
    },
    { logger: ['error'] },
  );
  await app.init();
  return {
    app,
    queues: app.get(QueueService),
    dataDir,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
