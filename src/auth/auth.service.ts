import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';
import { CourierConfig } from '../config/courier-config.js';
import { ApiKeyTable } from './api-key-table.js';
import { JwtVerifier } from './jwt-verifier.js';

export interface SocketIdentity {
  /** The durable client id: the JWT's `sub`, or `auth.clientId` with an API key or no auth. */
  readonly clientId: string | null;
}

/**
 * Who may do what (contract §1): API keys for REST and sockets, HS256 JWTs for sockets. With neither
 * configured everything is open, which start-up logs as a warning.
 */
@Injectable()
export class AuthService implements OnModuleInit {
  private readonly logger = new Logger(AuthService.name);
  private readonly keys: ApiKeyTable;
  private readonly jwt: JwtVerifier | null;

  constructor(config: CourierConfig) {
    this.keys = new ApiKeyTable(config.apiKeys);
    this.jwt = config.jwtSecret ? new JwtVerifier(config.jwtSecret) : null;
  }

  onModuleInit(): void {
    if (this.keys.size === 0) this.logger.warn('API_KEYS is empty: the REST API is open to anyone who can reach it');
    if (!this.socketAuthRequired) this.logger.warn('neither API_KEYS nor JWT_SECRET is set: sockets connect without a token');
  }

  get restAuthRequired(): boolean {
    return this.keys.size > 0;
  }

  get socketAuthRequired(): boolean {
    return this.keys.size > 0 || this.jwt !== null;
  }

  /** REST: throws UNAUTHORIZED without a valid key, FORBIDDEN for a namespace the key may not use. */
  checkApiKey(key: string | undefined, ns: string | null): void {
    if (!this.restAuthRequired) return;
    if (!key) throw new CourierError(ErrorCode.UNAUTHORIZED, 'an API key is required (Authorization: Bearer <key> or x-api-key)');
    const result = this.keys.check(key, ns);
    if (result === 'unknown') throw new CourierError(ErrorCode.UNAUTHORIZED, 'invalid API key');
    if (result === 'forbidden') throw new CourierError(ErrorCode.FORBIDDEN, `this API key may not use namespace ${ns}`);
  }

  /** Which of `all` a REST caller may see (every one when REST is open); call after checkApiKey passed. */
  visibleNamespaces<T extends string>(key: string | undefined, all: readonly T[]): T[] {
    if (!this.restAuthRequired) return [...all];
    const scope = key === undefined ? null : this.keys.grant(key);
    if (!scope) return [];
    return all.filter((ns) => scope.namespaces === null || scope.namespaces.has(ns));
  }

  /**
   * Socket handshake: `token` is an API key or a JWT. A JWT's `sub` is the client id, and a different
   * `auth.clientId` is refused; a key limited to some client ids refuses the others (anonymous is fine).
   * Throws UNAUTHORIZED or FORBIDDEN.
   */
  authenticateSocket(ns: string, token: unknown, clientId: string | null): SocketIdentity {
    if (!this.socketAuthRequired) return { clientId };
    if (typeof token !== 'string' || token.length === 0) throw new CourierError(ErrorCode.UNAUTHORIZED, 'UNAUTHORIZED');
    const grant = this.keys.size > 0 ? this.keys.grant(token) : null;
    if (grant) {
      if (grant.namespaces && !grant.namespaces.has(ns)) throw new CourierError(ErrorCode.FORBIDDEN, 'FORBIDDEN');
      // `;clients=`: a key handed to vendors cannot be used to act as a driver, or as another vendor.
      if (clientId !== null && grant.clients && !grant.clients.test(clientId)) throw new CourierError(ErrorCode.FORBIDDEN, 'FORBIDDEN');
      return { clientId };
    }
    const claims = this.jwt?.verify(token);
    if (!claims) throw new CourierError(ErrorCode.UNAUTHORIZED, 'UNAUTHORIZED');
    if (clientId !== null && clientId !== claims.sub) throw new CourierError(ErrorCode.UNAUTHORIZED, 'UNAUTHORIZED');
    if (claims.ns && !claims.ns.includes(ns)) throw new CourierError(ErrorCode.FORBIDDEN, 'FORBIDDEN');
    return { clientId: claims.sub };
  }
}
