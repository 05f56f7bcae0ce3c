import { prototypeNamedKeys, withMessageDataAside } from './prototype-keys.js';

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

describe(withMessageDataAside.name, () => {
  it('validates the body with its messages\' payloads and headers set aside, then puts them back on both', async () => {
    const body = JSON.parse('{"payload":{"__proto__":2},"headers":{"constructor":"x"},"messages":[{"payload":{"prototype":3},"headers":5}]}');
    const seen: unknown[] = [];
    const dto = await withMessageDataAside(body, async (v) => {
      const o = v as { payload: unknown; headers: unknown; messages: { payload: unknown; headers: unknown }[] };
      seen.push(o.payload, o.headers, o.messages[0].payload, o.messages[0].headers);
      return { payload: o.payload, headers: o.headers, messages: [{ payload: o.messages[0].payload, headers: o.messages[0].headers }] };
    });
    expect(seen).toEqual([null, {}, null, 5]);
    for (const target of [body, dto]) {
      expect(Object.keys(target.payload)).toEqual(['__proto__']);
      expect(Object.keys(target.headers)).toEqual(['constructor']);
      expect(Object.keys(target.messages[0].payload)).toEqual(['prototype']);
      expect(target.messages[0].headers).toBe(5);
    }
  });
});
