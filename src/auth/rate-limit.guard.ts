import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';
import { RateLimiter } from '../common/rate-limiter.js';
import { CourierConfig } from '../config/courier-config.js';

/**
 * REST rate limit: RATE_LIMIT_HTTP requests per second per client — its API key when it presents one
 * (many clients may share an address behind a proxy), else its address. Over it: 429.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiter: RateLimiter;

  constructor(
    config: CourierConfig,
    private readonly clock: Clock,
  ) {
    this.limiter = new RateLimiter(config.rateLimitHttp);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; ip?: string }>();
    const key = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? req.headers['x-api-key'];
    const tracker = key ? `key:${key}` : `ip:${req.ip ?? 'unknown'}`;
    if (!this.limiter.take(tracker, this.clock.now())) {
      throw new CourierError(ErrorCode.RATE_LIMITED, 'rate limit exceeded: RATE_LIMIT_HTTP requests per second per client');
    }
    return true;
  }
}
