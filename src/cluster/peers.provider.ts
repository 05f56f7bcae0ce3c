import { FactoryProvider } from '@nestjs/common';
import { NodeId } from '../common/node-id.js';
import { CourierConfig } from '../config/courier-config.js';
import { Peers } from './peers.js';
import { RedisPeers } from './redis-peers.js';

/** Peers for this deployment: this node alone, or every live node over Redis when `STORE=redis`. */
export const PEERS_PROVIDER: FactoryProvider<Peers> = {
  provide: Peers,
  inject: [CourierConfig, NodeId],
  useFactory: (config: CourierConfig, nodeId: NodeId) => (config.store === 'redis' ? new RedisPeers(config, nodeId) : new Peers()),
};
