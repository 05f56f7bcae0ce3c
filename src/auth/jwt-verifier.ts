import { JwtService } from '@nestjs/jwt';

/** What a socket's JWT may say: `sub` is the client id; `ns`, when present, the namespaces it may use. */
export interface SocketClaims {
  readonly sub: string;
  readonly ns: readonly string[] | null;
}

/** HS256 only: a token signed with any other algorithm (including `none`) is refused. */
export class JwtVerifier {
  private readonly jwt: JwtService;

  constructor(secret: string) {
    this.jwt = new JwtService({ secret, verifyOptions: { algorithms: ['HS256'] } });
  }

  /** The claims of a valid, unexpired token; null for anything else. */
  verify(token: string): SocketClaims | null {
    let claims: Record<string, unknown>;
    try {
      claims = this.jwt.verify<Record<string, unknown>>(token);
    } catch {
      return null;
    }
    const { sub, ns } = claims;
    if (typeof sub !== 'string' || sub.length === 0) return null;
    if (ns !== undefined && !(Array.isArray(ns) && ns.every((n) => typeof n === 'string'))) return null;
    return { sub, ns: (ns as string[] | undefined) ?? null };
  }
}
