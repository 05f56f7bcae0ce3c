import { Module } from '@nestjs/common';
import { Dispatcher } from './dispatcher.js';
import { QueueService } from './queue.service.js';
import { RedeliveryScheduler } from './redelivery.scheduler.js';
import { WakeBus } from './wake-bus.js';

@Module({
  providers: [Dispatcher, WakeBus, RedeliveryScheduler, QueueService],
  exports: [Dispatcher, WakeBus, RedeliveryScheduler, QueueService],
})
export class QueueModule {}
