import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { NamespacesController } from './namespaces.controller.js';
import { QueuesController } from './queues.controller.js';
import { RoomsController } from './rooms.controller.js';
import { StoreFailureInterceptor } from './store-failure.interceptor.js';

/** The REST API (contract §4); app-wide HTTP settings are in configure-http.ts. */
@Module({
  imports: [QueueModule, RoomsModule],
  controllers: [NamespacesController, QueuesController, RoomsController],
  providers: [StoreFailureInterceptor],
})
export class HttpModule {}
