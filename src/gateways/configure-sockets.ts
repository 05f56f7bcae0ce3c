import { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { CourierConfig } from '../config/courier-config.js';

/** Socket.IO server options every namespace shares. */
export function configureSockets(app: INestApplication, config: CourierConfig): void {
  app.useWebSocketAdapter(new IoAdapter(app));
  void config;
}
