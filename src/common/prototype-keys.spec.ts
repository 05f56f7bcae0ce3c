import { prototypeNamedKeys } from './prototype-keys.js';

describe(prototypeNamedKeys.name, () => {
  it('finds keys named like Object.prototype members, at the top and in batch messages', () => {
    const body = JSON.parse('{"payload":1,"__proto__":1,"constructor":2,"messages":[{"payload":1},{"payload":2,"toString":3,"prototype":4}]}');
    expect(prototypeNamedKeys(body)).toEqual(['__proto__', 'constructor', 'messages.1.toString', 'messages.1.prototype']);
  });

  it('never looks inside a payload', () => {
    const body = JSON.parse('{"payload":{"__proto__":1,"constructor":{"valueOf":1}},"headers":{"a":"b"}}');
    expect(prototypeNamedKeys(body)).toEqual([]);
  });

  it('is empty for anything but an object', () => {
    for (const value of [null, 1, 'x', [JSON.parse('{"__proto__":1}')]]) expect(prototypeNamedKeys(value)).toEqual([]);
  });
});
