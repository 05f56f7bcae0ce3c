import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { SessionService } from './session.service.js';

@Module({ imports: [QueueModule, RoomsModule], providers: [SessionService], exports: [SessionService] })
export class SessionsModule {}
