import { BadRequestException } from '@nestjs/common';
import { PublishMessageDto } from '../publishing/publish-message.dto.js';
import { HttpValidationPipe } from './http-validation.pipe.js';

describe(HttpValidationPipe.name, () => {
  const sut = new HttpValidationPipe();

  it('validates HTTP bodies, unknown fields included', async () => {
    await expect(sut.transform({ payload: 1, extra: true }, { type: 'body', metatype: PublishMessageDto })).rejects.toThrow(BadRequestException);
    await expect(sut.transform({ payload: 1 }, { type: 'body', metatype: PublishMessageDto })).resolves.toBeInstanceOf(PublishMessageDto);
  });

  it('leaves WebSocket arguments (numeric param types) to the gateways', async () => {
    const value = { payload: 1, extra: true };
    // Nest passes WsParamtype.PAYLOAD (3) as the type of a gateway's @MessageBody().
    await expect(sut.transform(value, { type: 3 as never, metatype: PublishMessageDto })).resolves.toBe(value);
  });
});
