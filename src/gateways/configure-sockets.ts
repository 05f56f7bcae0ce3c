import { INestApplication } from '@nestjs/common';
import { ClusterIoAdapter } from '../cluster/cluster-io.adapter.js';
import { CourierConfig } from '../config/courier-config.js';
import { CourierIoAdapter } from './courier-io.adapter.js';

/** Socket.IO server options every namespace shares (see CourierIoAdapter). */
export function configureSockets(app: INestApplication, config: CourierConfig): void {
  // --- cluster (STORE=redis): the same adapter plus Socket.IO's Redis adapter, so that
  // `server.to(room).emit` (a client id's sockets, $alarms) reaches sockets on every node. See src/cluster.
  if (config.store === 'redis') {
    app.useWebSocketAdapter(new ClusterIoAdapter(app, config));
    return;
  }
  // --- end cluster
  app.useWebSocketAdapter(new CourierIoAdapter(app, config));
}
