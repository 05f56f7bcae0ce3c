import { Module } from '@nestjs/common';
import { Dispatcher } from './dispatcher.js';
import { RedeliveryScheduler } from './redelivery.scheduler.js';

/** The delivery engine that queues and rooms share: push into prefetch windows, and the time-driven transitions. */
@Module({ providers: [Dispatcher, RedeliveryScheduler], exports: [Dispatcher, RedeliveryScheduler] })
export class DeliveryModule {}
