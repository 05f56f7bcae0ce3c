import { ArgumentMetadata } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import { AckDto } from './dto/ack.dto.js';
import { JoinDto } from './dto/join.dto.js';
import { PublishDto } from './dto/publish.dto.js';
import { WS_PAYLOAD } from './ws-payload.decorator.js';
import { WsValidationPipe } from './ws-validation.pipe.js';

const payload = (metatype: unknown): ArgumentMetadata => ({ type: 'custom', data: WS_PAYLOAD, metatype: metatype as ArgumentMetadata['metatype'] });

async function validationError(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(WsException);
  return (error as WsException).getError();
}

describe(WsValidationPipe.name, () => {
  const sut = new WsValidationPipe();

  it('fills the bare field of a DTO from a bare string', async () => {
    const dto = await sut.transform('lobby', payload(JoinDto));
    expect(dto).toBeInstanceOf(JoinDto);
    expect((dto as JoinDto).room).toBe('lobby');
  });

  it('refuses unknown fields where the DTO forbids them, naming them in details', async () => {
    const error = await validationError(sut.transform({ queue: 'q', payload: 1, colour: 'red' }, payload(PublishDto)));
    expect(error).toMatchObject({ code: 'VALIDATION', details: [{ field: 'colour', errors: [expect.any(String)] }] });
  });

  it('drops unknown fields elsewhere (acknowledgement events)', async () => {
    const dto = await sut.transform({ messageId: 'm', clientId: 'acme', event: 'delivered' }, payload(AckDto));
    expect(dto).toEqual(Object.assign(new AckDto(), { messageId: 'm' }));
  });

  it('refuses a payload that is not an object', async () => {
    expect(await validationError(sut.transform(42, payload(AckDto)))).toMatchObject({ code: 'VALIDATION' });
  });

  it('leaves every other parameter alone (the socket)', async () => {
    const socket = { id: 's1' };
    expect(await sut.transform(socket, { type: 'custom', metatype: Object })).toBe(socket);
  });
});
