import { INestApplication } from '@nestjs/common';
import { CourierConfig } from '../config/courier-config.js';
import { CourierIoAdapter } from './courier-io.adapter.js';

/** Socket.IO server options every namespace shares (see CourierIoAdapter). */
export function configureSockets(app: INestApplication, config: CourierConfig): void {
  app.useWebSocketAdapter(new CourierIoAdapter(app, config));
}
