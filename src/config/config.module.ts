import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { CourierConfig } from './courier-config.js';
import { EnvSchema, validateEnv } from './env.schema.js';

/**
 * Reads the environment (and a `.env` file if present) through @nestjs/config, validates it once with
 * EnvSchema, and provides the typed CourierConfig. `overrides` win over the environment (tests).
 */
@Global()
@Module({})
export class CourierConfigModule {
  static forRoot(overrides: Partial<Record<keyof EnvSchema, string>> = {}): DynamicModule {
    return {
      module: CourierConfigModule,
      imports: [
        ConfigModule.forRoot({
          cache: true,
          // Returns the environment as read: @nestjs/config copies what validate returns into process.env,
          // and overrides (tests) must not leak into other apps started in the same process.
          validate: (env) => {
            validateEnv({ ...env, ...overrides });
            return env;
          },
        }),
      ],
      providers: [
        {
          provide: CourierConfig,
          inject: [ConfigService],
          useFactory: (config: ConfigService) => new CourierConfig(validateEnv({ ...readAll(config), ...overrides })),
        },
      ],
      exports: [CourierConfig],
    };
  }
}

function readAll(config: ConfigService): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(new EnvSchema())) out[name] = config.get(name);
  return out;
}
