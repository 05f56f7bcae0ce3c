/** Benchmark payloads: JSON objects whose encoding is exactly PAYLOAD_BYTES long, numbered by `n`. */
export const PAYLOAD_BYTES = 256;

const PAD = 'x'.repeat(PAYLOAD_BYTES);

export function makePayload(n) {
  const bare = JSON.stringify({ n, pad: '' }).length;
  return { n, pad: PAD.slice(0, PAYLOAD_BYTES - bare) };
}
