import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AsyncApiController } from './asyncapi.controller.js';
import { CapsGateway } from './caps.gateway.js';
import { EventsGateway } from './events.gateway.js';

/** The Socket.IO namespaces (one gateway each) and the AsyncAPI document that describes them. */
@Module({
  imports: [QueueModule, RoomsModule, SessionsModule],
  providers: [EventsGateway, CapsGateway],
  controllers: [AsyncApiController],
})
export class GatewaysModule {}
