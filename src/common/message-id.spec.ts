import { newMessageId } from './message-id.js';

describe('newMessageId', () => {
  it('makes RFC 9562 version 7 UUIDs', () => {
    expect(newMessageId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('orders ids of different milliseconds by time', () => {
    const earlier = newMessageId(1_700_000_000_000);
    const later = newMessageId(1_700_000_000_001);
    expect(earlier < later).toBe(true);
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 20000 }, () => newMessageId(1_700_000_000_000)));
    expect(ids.size).toBe(20000);
  });
});
