import { Module } from '@nestjs/common';
import { Peers } from '../cluster/peers.js';
import { PEERS_PROVIDER } from '../cluster/peers.provider.js';
import { WAKE_BUS_PROVIDER } from '../cluster/wake-bus.provider.js';
import { Dispatcher } from './dispatcher.js';
import { QueueService } from './queue.service.js';
import { RedeliveryScheduler } from './redelivery.scheduler.js';
import { WakeBus } from './wake-bus.js';

@Module({
  providers: [Dispatcher, WAKE_BUS_PROVIDER, PEERS_PROVIDER, RedeliveryScheduler, QueueService],
  exports: [Dispatcher, WakeBus, Peers, RedeliveryScheduler, QueueService],
})
export class QueueModule {}
