import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { QueueService } from './queue.service.js';

@Module({ imports: [DeliveryModule], providers: [QueueService], exports: [QueueService] })
export class QueueModule {}
