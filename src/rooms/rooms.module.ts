import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { RoomService } from './room.service.js';

@Module({ imports: [DeliveryModule], providers: [RoomService], exports: [RoomService] })
export class RoomsModule {}
