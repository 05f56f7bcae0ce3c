import { Global, Module } from '@nestjs/common';
import { Peers } from '../delivery/peers.js';
import { WakeBus } from '../delivery/wake-bus.js';
import { PEERS_PROVIDER } from './peers.provider.js';
import { WAKE_BUS_PROVIDER } from './wake-bus.provider.js';

/**
 * How this node talks to the others: the engine's WakeBus and Peers, in-process on one node or over
 * Redis when `STORE=redis`. Global, so the engine injects the abstractions and never imports this folder.
 */
@Global()
@Module({ providers: [WAKE_BUS_PROVIDER, PEERS_PROVIDER], exports: [WakeBus, Peers] })
export class ClusterModule {}
