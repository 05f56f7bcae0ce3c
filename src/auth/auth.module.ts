import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard.js';
import { AuthService } from './auth.service.js';
import { RateLimitGuard } from './rate-limit.guard.js';

/**
 * Authentication (API keys, JWTs) and REST rate limiting. The limiter is a small fixed-window counter
 * rather than @nestjs/throttler: that package is CommonJS requiring the ESM-only Nest 12 packages, which
 * Node runs but Jest's module runtime cannot load on Node 20, so it could not be tested.
 */
@Global()
@Module({
  providers: [AuthService, ApiKeyGuard, { provide: APP_GUARD, useClass: RateLimitGuard }],
  exports: [AuthService, ApiKeyGuard],
})
export class AuthModule {}
