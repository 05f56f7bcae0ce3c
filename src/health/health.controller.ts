import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { StoreHealthIndicator } from './store.health.js';

const EXAMPLE_UP = { status: 'ok', info: { store: { status: 'up', kind: 'sqlite' } }, error: {}, details: { store: { status: 'up', kind: 'sqlite' } } };
const EXAMPLE_DOWN = {
  status: 'error',
  info: {},
  error: { store: { status: 'down', message: 'The database connection is not open' } },
  details: { store: { status: 'down', message: 'The database connection is not open' } },
};

/** Readiness: 200 `{ status: 'ok', ... }` once the app listens and the store answers; 503 when it does not. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: StoreHealthIndicator,
  ) {}

  @Get()
  // Documented here: terminus adds its own Swagger entries through a dynamic import that may land late.
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Readiness: 200 when the store answers, 503 when it is unreachable' })
  @ApiOkResponse({ description: 'Ready', schema: { type: 'object', example: EXAMPLE_UP } })
  @ApiServiceUnavailableResponse({ description: 'The store is unreachable', schema: { type: 'object', example: EXAMPLE_DOWN } })
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.store.check()]);
  }
}
