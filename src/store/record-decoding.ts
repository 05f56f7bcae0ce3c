/**
 * Headers of a stored record that could not be decoded (a damaged row or body). Adapters hand such a record
 * out with these headers instead of throwing, so one damaged record never fails the claim of the records
 * around it; the engine sets it aside as `unreadable` (see queue/readable-deliveries.ts).
 */
export const UNREADABLE_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** Decodes stored headers (a JSON object of strings); UNREADABLE_HEADERS when they are not that. */
export function decodeHeaders(text: unknown): Readonly<Record<string, string>> {
  if (text === '{}') return NO_HEADERS;
  if (typeof text !== 'string') return UNREADABLE_HEADERS;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, string>) : UNREADABLE_HEADERS;
  } catch {
    return UNREADABLE_HEADERS;
  }
}
