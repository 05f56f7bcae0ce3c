import { Module } from '@nestjs/common';
import { DeadLetters } from './dead-letters.js';
import { Dispatcher } from './dispatcher.js';
import { Leases } from './leases.js';
import { RedeliveryScheduler } from './redelivery.scheduler.js';

/** The delivery engine that queues and rooms share: push into prefetch windows, and the time-driven transitions. */
/** The engine's providers (unit specs build them with a real store and a fake clock). */
export const DELIVERY_PROVIDERS = [Dispatcher, RedeliveryScheduler, Leases, DeadLetters];

@Module({ providers: DELIVERY_PROVIDERS, exports: DELIVERY_PROVIDERS })
export class DeliveryModule {}
