import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module.js';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { RoomService } from './room.service.js';

/** Rooms, over the engine and this node's connection registry (re-exported: listings count connections). */
@Module({ imports: [DeliveryModule, ConnectionsModule], providers: [RoomService], exports: [RoomService, ConnectionsModule] })
export class RoomsModule {}
