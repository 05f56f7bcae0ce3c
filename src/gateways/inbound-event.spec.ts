import { MAX_DEPTH } from '../common/json-shape.js';
import { checkInbound } from './inbound-event.js';

describe(checkInbound.name, () => {
  it('lets a JSON event within the limit through', () => {
    expect(checkInbound([{ queue: 'q', payload: { a: [1, 2, 3] } }], 1024)).toBeNull();
  });

  it('answers PAYLOAD_TOO_LARGE over the limit, with the sizes', () => {
    const sut = checkInbound([{ payload: 'x'.repeat(2000) }], 1024);
    expect(sut).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 1024, bytes: expect.any(Number) } });
  });

  it('counts bytes, not characters', () => {
    expect(checkInbound(['é'.repeat(600)], 1024)?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses binary attachments anywhere in the event', () => {
    expect(checkInbound([{ payload: { deep: [Buffer.from('x')] } }], 1024)?.code).toBe('VALIDATION');
    expect(checkInbound([new Uint8Array(2)], 1024)?.code).toBe('VALIDATION');
  });

  it(`refuses payloads nested deeper than ${MAX_DEPTH} levels`, () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_DEPTH + 1; i++) deep = [deep];
    expect(checkInbound([deep], 1_000_000)?.code).toBe('VALIDATION');
  });
});
