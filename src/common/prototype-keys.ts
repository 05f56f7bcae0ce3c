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
