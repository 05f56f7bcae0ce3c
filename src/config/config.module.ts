import { DynamicModule, Global, Module } from '@nestjs/common';
import { CourierConfig } from './courier-config.js';
import { EnvSchema, validateEnv } from './env.schema.js';

export type EnvOverrides = Partial<Record<keyof EnvSchema, string>>;

/**
 * Provides the typed CourierConfig. main.ts validates the environment once, before Nest starts (so a bad
 * variable stops start-up with one line), and hands the result in; anything else (tests, an embedding
 * host) gives overrides, which win over the environment and are validated here, once.
 */
@Global()
@Module({})
export class CourierConfigModule {
  static forRoot(source: CourierConfig | EnvOverrides = {}): DynamicModule {
    const config = source instanceof CourierConfig ? source : new CourierConfig(validateEnv({ ...process.env, ...source }));
    return { module: CourierConfigModule, providers: [{ provide: CourierConfig, useValue: config }], exports: [CourierConfig] };
  }
}
