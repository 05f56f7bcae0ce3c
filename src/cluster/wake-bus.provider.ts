import { FactoryProvider } from '@nestjs/common';
import { NodeId } from '../common/node-id.js';
import { CourierConfig } from '../config/courier-config.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';
import { WakeBus } from '../delivery/wake-bus.js';
import { RedisWakeBus } from './redis-wake-bus.js';

/** The WakeBus for this deployment: in-process, or across nodes over Redis pub/sub when the store is shared (`STORE=redis`). */
export const WAKE_BUS_PROVIDER: FactoryProvider<WakeBus> = {
  provide: WakeBus,
  inject: [CourierConfig, NodeId, MESSAGE_STORE],
  useFactory: (config: CourierConfig, nodeId: NodeId, store: MessageStore) => (store.shared ? new RedisWakeBus(config, nodeId) : new WakeBus()),
};
