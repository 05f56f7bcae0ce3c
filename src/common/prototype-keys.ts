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
 * Sets the object-valued `payload` and `headers` of a request's messages (the body, and each of its
 * `messages`) aside while `validate` runs, then puts them back on the body and on what `validate` returned.
 * They are the producer's data: class-transformer would rebuild them (and trip over a `constructor` key
 * inside), and Nest's prototype-key stripping would delete keys a producer sent. The publishing rules check
 * them when the message is encoded.
 */
export async function withMessageDataAside<T>(value: unknown, validate: (value: unknown) => Promise<T>): Promise<T> {
  const aside: [number, 'payload' | 'headers', unknown][] = [];
  const bodies = messageBodies(value);
  bodies.forEach((body, i) => {
    for (const field of ['payload', 'headers'] as const) {
      const data = body[field];
      if (data === null || typeof data !== 'object') continue;
      aside.push([i, field, data]);
      body[field] = field === 'payload' ? null : {};
    }
  });
  const restore = (target: unknown) => {
    const into = messageBodies(target);
    for (const [i, field, data] of aside) if (into[i]) into[i][field] = data;
  };
  let result: T;
  try {
    result = await validate(value);
  } finally {
    restore(value);
  }
  restore(result);
  return result;
}

/** The body and the objects of its `messages` list (index 0 is the body). */
function messageBodies(value: unknown): Record<string, unknown>[] {
  if (!isObject(value)) return [];
  const messages = (value as { messages?: unknown }).messages;
  return [value as Record<string, unknown>, ...(Array.isArray(messages) ? messages.filter(isObject) : [])] as Record<string, unknown>[];
}
