import { prototypeNamedKeys, stripOutsideMessages } from './prototype-keys.js';

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

describe(stripOutsideMessages.name, () => {
  it('lets the strip run on everything but the messages\' payloads and headers', () => {
    const body = JSON.parse('{"__proto__":1,"payload":{"__proto__":2},"headers":{"constructor":"x"},"messages":[{"payload":{"prototype":3},"constructor":4}]}');
    stripOutsideMessages(body, (v) => {
      const o = v as Record<string, unknown>;
      delete o.__proto__;
      Reflect.deleteProperty((o.messages as object[])[0], 'constructor');
      expect(o.payload).toBeNull();
    });
    expect(Object.keys(body)).toEqual(['payload', 'headers', 'messages']);
    expect(Object.keys(body.payload)).toEqual(['__proto__']);
    expect(Object.keys(body.headers)).toEqual(['constructor']);
    expect(Object.keys(body.messages[0])).toEqual(['payload']);
    expect(Object.keys(body.messages[0].payload)).toEqual(['prototype']);
  });
});
