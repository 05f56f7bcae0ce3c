import { Global, Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { QueueModule } from '../queue/queue.module.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

@Global()
@Module({ imports: [DeliveryModule, QueueModule, RoomsModule], controllers: [MetricsController], providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
