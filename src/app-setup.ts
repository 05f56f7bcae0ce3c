import { INestApplication } from '@nestjs/common';
import helmet from 'helmet';
import { ClusterIoAdapter } from './cluster/cluster-io.adapter.js';
import { CourierConfig } from './config/courier-config.js';
import { CourierIoAdapter } from './gateways/courier-io.adapter.js';
import { configureHttp } from './http/configure-http.js';
import { MESSAGE_STORE } from './store/message-store.js';
import type { MessageStore } from './store/message-store.js';

/** Everything main.ts does to the app before listening, shared with the end-to-end tests. */
export function setupApp(app: INestApplication): CourierConfig {
  const config = app.get(CourierConfig);
  // No upgrade-insecure-requests: Courier is often reached over plain HTTP on a private network or behind a TLS proxy.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  configureHttp(app, config);
  // The Socket.IO server every namespace shares (see CourierIoAdapter); with a shared store (several nodes)
  // also Socket.IO's Redis adapter, so `server.to(room).emit` reaches the sockets of that room on every node.
  const shared = app.get<MessageStore>(MESSAGE_STORE).shared;
  app.useWebSocketAdapter(shared ? new ClusterIoAdapter(app, config) : new CourierIoAdapter(app, config));
  return config;
}
