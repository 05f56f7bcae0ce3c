import { createHash, timingSafeEqual } from 'node:crypto';

export type KeyCheck = 'ok' | 'unknown' | 'forbidden';

interface Entry {
  readonly digest: Buffer;
  /** null = every namespace. */
  readonly namespaces: ReadonlySet<string> | null;
  /** The client ids this key's sockets may claim; null = any. */
  readonly clients: RegExp | null;
}

/** What a key may do, once it matched. */
export interface KeyGrant {
  /** null = every namespace. */
  readonly namespaces: ReadonlySet<string> | null;
  readonly clients: RegExp | null;
}

/**
 * `API_KEYS` parsed once: `key` (all namespaces) or `key=ns1|ns2`, either optionally followed by
 * `;clients=vendor-*|driver-*` (the client ids its sockets may claim). Keys are compared as SHA-256 digests
 * with timingSafeEqual against every entry, so neither a key's length nor its position leaks by timing.
 */
export class ApiKeyTable {
  private readonly entries: Entry[];

  constructor(raw: string) {
    this.entries = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((item) => {
        const [main, ...options] = item.split(';');
        const [key, scope] = main.split('=', 2);
        const clients = options.find((o) => o.startsWith('clients='))?.slice('clients='.length);
        return {
          digest: digest(key),
          namespaces: scope ? new Set(scope.split('|').filter(Boolean)) : null,
          clients: clients ? patternOf(clients.split('|').filter(Boolean)) : null,
        };
      });
  }

  get size(): number {
    return this.entries.length;
  }

  check(key: string, ns: string | null): KeyCheck {
    const grant = this.grant(key);
    if (!grant) return 'unknown';
    if (ns !== null && grant.namespaces && !grant.namespaces.has(ns)) return 'forbidden';
    return 'ok';
  }

  /** What `key` may do, or null for a key that is not in the table. */
  grant(key: string): KeyGrant | null {
    const given = digest(key);
    let match: Entry | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, given)) match = entry;
    }
    return match && { namespaces: match.namespaces, clients: match.clients };
  }
}

/** `vendor-*|driver-*` → one anchored expression; `*` is any run of characters, the rest literal. */
function patternOf(patterns: readonly string[]): RegExp {
  const escape = (p: string) => p.replace(/[.+?^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^(?:${patterns.map(escape).join('|')})$`);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
