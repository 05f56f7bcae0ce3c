import { FactoryProvider } from '@nestjs/common';
import { NodeId } from '../common/node-id.js';
import { CourierConfig } from '../config/courier-config.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';
import { Peers } from '../delivery/peers.js';
import { RedisPeers } from './redis-peers.js';

/** Peers for this deployment: this node alone, or every live node over Redis when the store is shared (`STORE=redis`). */
export const PEERS_PROVIDER: FactoryProvider<Peers> = {
  provide: Peers,
  inject: [CourierConfig, NodeId, MESSAGE_STORE],
  useFactory: (config: CourierConfig, nodeId: NodeId, store: MessageStore) => (store.shared ? new RedisPeers(config, nodeId, store) : new Peers()),
};
