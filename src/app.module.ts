import { DynamicModule, Module } from '@nestjs/common';
import { AlarmsModule } from './alarms/alarms.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ClusterModule } from './cluster/cluster.module.js';
import { CommonModule } from './common/common.module.js';
import { CourierConfigModule, EnvOverrides } from './config/config.module.js';
import { CourierConfig } from './config/courier-config.js';
import { GatewaysModule } from './gateways/gateways.module.js';
import { HealthModule } from './health/health.module.js';
import { HttpModule } from './http/http.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { QueueModule } from './queue/queue.module.js';
import { RoomsModule } from './rooms/rooms.module.js';
import { StoreModule } from './store/store.module.js';

@Module({})
export class AppModule {
  /**
   * `config` as main.ts validated it, or overrides that win over the environment (tests start the app on a
   * temp dir and a random port this way).
   */
  static forRoot(config: CourierConfig | EnvOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CourierConfigModule.forRoot(config),
        LoggingModule,
        CommonModule,
        StoreModule,
        ClusterModule,
        QueueModule,
        RoomsModule,
        AuthModule,
        AlarmsModule,
        MetricsModule,
        HealthModule,
        HttpModule,
        GatewaysModule,
      ],
    };
  }
}
