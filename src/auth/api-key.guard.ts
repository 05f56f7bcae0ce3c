import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AuthService } from './auth.service.js';
import { apiKeyOf } from './request-api-key.js';

/** Guards `/api` routes: `Authorization: Bearer <key>` or `x-api-key: <key>`, checked for the route's `:ns`. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; params?: Record<string, string> }>();
    this.auth.checkApiKey(apiKeyOf(req.headers), req.params?.ns ?? null);
    return true;
  }
}
