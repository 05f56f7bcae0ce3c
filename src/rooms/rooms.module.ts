import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module.js';
import { RoomService } from './room.service.js';

@Module({ imports: [QueueModule], providers: [RoomService], exports: [RoomService] })
export class RoomsModule {}
