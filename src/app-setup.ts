import { INestApplication } from '@nestjs/common';
import helmet from 'helmet';
import { CourierConfig } from './config/courier-config.js';
import { configureSockets } from './gateways/configure-sockets.js';
import { configureHttp } from './http/configure-http.js';

/** Everything main.ts does to the app before listening, shared with the end-to-end tests. */
export function setupApp(app: INestApplication): CourierConfig {
  const config = app.get(CourierConfig);
  // No upgrade-insecure-requests: Courier is often reached over plain HTTP on a private network or behind a TLS proxy.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  configureHttp(app, config);
  configureSockets(app, config);
  return config;
}
