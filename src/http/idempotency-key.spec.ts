import { CourierError } from '../common/courier-error.js';
import { withIdempotencyKey } from './idempotency-key.js';

describe(withIdempotencyKey.name, () => {
  it('leaves messages alone without a header', () => {
    expect(withIdempotencyKey([{ payload: 1 }], undefined)).toEqual([{ payload: 1 }]);
  });

  it('gives a single message the header as its key', () => {
    expect(withIdempotencyKey([{ payload: 1 }], 'req-1')).toEqual([{ payload: 1, key: 'req-1' }]);
  });

  it('keeps a key given in the body', () => {
    expect(withIdempotencyKey([{ payload: 1, key: 'body' }], 'req-1')).toEqual([{ payload: 1, key: 'body' }]);
  });

  it('gives message i of a batch <header>#<i>, unless it has its own key', () => {
    expect(withIdempotencyKey([{ payload: 1 }, { payload: 2, key: 'own' }, { payload: 3 }], 'b')).toEqual([
      { payload: 1, key: 'b#0' },
      { payload: 2, key: 'own' },
      { payload: 3, key: 'b#2' },
    ]);
  });

  it('refuses an empty header, or one whose keys would pass 256 characters', () => {
    expect(() => withIdempotencyKey([{ payload: 1 }], '')).toThrow(CourierError);
    expect(() => withIdempotencyKey([{ payload: 1 }], 'k'.repeat(256))).not.toThrow();
    expect(() => withIdempotencyKey([{ payload: 1 }], 'k'.repeat(257))).toThrow('Idempotency-Key must be 1 to 256 characters');
    const batch = Array.from({ length: 11 }, (_, i) => ({ payload: i }));
    expect(() => withIdempotencyKey(batch, 'k'.repeat(253))).not.toThrow();
    expect(() => withIdempotencyKey(batch, 'k'.repeat(254))).toThrow('Idempotency-Key must be 1 to 253 characters');
  });
});
