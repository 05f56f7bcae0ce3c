import { ArgumentsHost } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';
import { WsExceptionFilter } from './ws-exception.filter.js';

/** The arguments Nest passes a gateway handler: socket, payload, ack callback, event name. */
/** An ack callback that records what it was called with. */
function recorder(): ((reply: unknown) => void) & { calls: unknown[] } {
  const calls: unknown[] = [];
  return Object.assign((reply: unknown) => void calls.push(reply), { calls });
}

function host(ack: unknown): ArgumentsHost {
  const args = [{}, {}, ack, 'publish'];
  return { getArgByIndex: (i: number) => args[i], getArgs: () => args } as unknown as ArgumentsHost;
}

describe(WsExceptionFilter.name, () => {
  const sut = new WsExceptionFilter();

  it('answers a CourierError through the ack callback with its code, message and details', () => {
    const ack = recorder();
    sut.catch(new CourierError(ErrorCode.NOT_FOUND, 'gone', { id: 'x' }), host(ack));
    expect(ack.calls).toEqual([{ ok: false, error: { code: 'NOT_FOUND', message: 'gone', details: { id: 'x' } } }]);
  });

  it('answers a store that cannot be used UNAVAILABLE (worth retrying), as REST answers 503', () => {
    const ack = recorder();
    sut.catch(new CourierError(ErrorCode.UNAVAILABLE, 'the message store cannot take writes now (SQLITE_FULL)'), host(ack));
    expect(ack.calls).toEqual([{ ok: false, error: { code: 'UNAVAILABLE', message: 'the message store cannot take writes now (SQLITE_FULL)' } }]);
  });

  it('answers a validation WsException as VALIDATION with its details', () => {
    const ack = recorder();
    sut.catch(new WsException({ code: 'VALIDATION', message: 'room must be a string', details: [{ field: 'room' }] }), host(ack));
    expect(ack.calls).toEqual([{ ok: false, error: { code: 'VALIDATION', message: 'room must be a string', details: [{ field: 'room' }] } }]);
  });

  it('answers anything unexpected INTERNAL, without its message or stack', () => {
    const ack = recorder();
    Object.assign(sut['logger'], { error: () => undefined });
    sut.catch(new TypeError('secret internals at /srv/app.js:1'), host(ack));
    expect(ack.calls).toEqual([{ ok: false, error: { code: 'INTERNAL', message: 'internal error' } }]);
  });

  it('does nothing when the client sent no callback', () => {
    expect(() => sut.catch(CourierError.validation('bad'), host(undefined))).not.toThrow();
  });
});
