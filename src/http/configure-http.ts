import { INestApplication } from '@nestjs/common';
import { CourierConfig } from '../config/courier-config.js';

/** HTTP-level settings: body size limit, validation, CORS, docs. */
export function configureHttp(app: INestApplication, config: CourierConfig): void {
  void app;
  void config;
}
