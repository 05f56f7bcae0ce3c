/**
 * Own keys of a request object that are named like members of Object.prototype (`constructor`,
 * `__proto__`, `toString`, …) or `prototype`. JSON.parse makes them ordinary own properties, but
 * class-transformer skips them, so a DTO whitelist never sees them and they would pass as known fields.
 * Returns their paths; looks at the object's own keys and at those of the objects in its `messages` list
 * (a batch), never inside a payload, where any key is the producer's business.
 */
export function prototypeNamedKeys(value: unknown): string[] {
  const found = namedKeys(value, '');
  const messages = isObject(value) ? (value as { messages?: unknown }).messages : undefined;
  if (Array.isArray(messages)) messages.forEach((m, i) => found.push(...namedKeys(m, `messages.${i}.`)));
  return found;
}

function namedKeys(value: unknown, prefix: string): string[] {
  if (!isObject(value)) return [];
  return Object.keys(value)
    .filter((key) => key in Object.prototype || key === 'prototype')
    .map((key) => prefix + key);
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Runs `strip` (Nest's removal of `__proto__`, `constructor` and `prototype` keys, against prototype
 * pollution through class-transformer) on a request object with its messages' `payload` and `headers` set
 * aside, so that inside them such keys arrive exactly as sent: they are the producer's data, never turned
 * into class instances.
 */
export function stripOutsideMessages(value: unknown, strip: (value: unknown) => void): void {
  const bodies = [value, ...(isObject(value) && Array.isArray((value as { messages?: unknown }).messages) ? (value as { messages: unknown[] }).messages : [])];
  const aside: [Record<string, unknown>, string, unknown][] = [];
  for (const body of bodies) {
    if (!isObject(body)) continue;
    for (const field of ['payload', 'headers']) {
      if (Object.prototype.hasOwnProperty.call(body, field)) {
        aside.push([body as Record<string, unknown>, field, (body as Record<string, unknown>)[field]]);
        (body as Record<string, unknown>)[field] = null;
      }
    }
  }
  try {
    strip(value);
  } finally {
    for (const [body, field, kept] of aside) body[field] = kept;
  }
}
