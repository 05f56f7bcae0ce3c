import { FactoryProvider } from '@nestjs/common';
import { NodeId } from '../common/node-id.js';
import { CourierConfig } from '../config/courier-config.js';
import { WakeBus } from '../queue/wake-bus.js';
import { RedisWakeBus } from './redis-wake-bus.js';

/** The WakeBus for this deployment: in-process, or across nodes over Redis pub/sub when `STORE=redis`. */
export const WAKE_BUS_PROVIDER: FactoryProvider<WakeBus> = {
  provide: WakeBus,
  inject: [CourierConfig, NodeId],
  useFactory: (config: CourierConfig, nodeId: NodeId) => (config.store === 'redis' ? new RedisWakeBus(config, nodeId) : new WakeBus()),
};
