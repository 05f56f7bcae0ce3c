import { createHash, timingSafeEqual } from 'node:crypto';

export type KeyCheck = 'ok' | 'unknown' | 'forbidden';

interface Entry {
  readonly digest: Buffer;
  /** null = every namespace. */
  readonly namespaces: ReadonlySet<string> | null;
}

/**
 * `API_KEYS` parsed once: `key` (all namespaces) or `key=ns1|ns2`. Keys are compared as SHA-256 digests
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
        const [key, scope] = item.split('=', 2);
        return { digest: digest(key), namespaces: scope ? new Set(scope.split('|').filter(Boolean)) : null };
      });
  }

  get size(): number {
    return this.entries.length;
  }

  check(key: string, ns: string | null): KeyCheck {
    const given = digest(key);
    let match: Entry | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, given)) match = entry;
    }
    if (!match) return 'unknown';
    if (ns !== null && match.namespaces && !match.namespaces.has(ns)) return 'forbidden';
    return 'ok';
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
