import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { StoreHealthIndicator } from './store.health.js';

/** Readiness: 200 `{ status: 'ok', ... }` once the app listens and the store answers; 503 when it does not. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: StoreHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: 200 when the store answers, 503 when it is unreachable' })
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.store.check()]);
  }
}
