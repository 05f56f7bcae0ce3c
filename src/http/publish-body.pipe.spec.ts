import { BadRequestException } from '@nestjs/common';
import { PublishBatchDto } from './dto/publish-batch.dto.js';
import { PublishMessageDto } from '../publishing/publish-message.dto.js';
import { PublishBodyPipe } from './publish-body.pipe.js';

/** The `message` list of the 400 that `promise` rejects with. */
async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BadRequestException);
  return ((error as BadRequestException).getResponse() as { message: string[] }).message;
}

describe(PublishBodyPipe.name, () => {
  const sut = new PublishBodyPipe();
  const problems = (body: unknown) => problemsOf(sut.transform(body));

  it('reads a body without messages as one message, payload kept as sent', async () => {
    const payload = { nested: { list: [1, null, { deep: true }] } };
    const result = await sut.transform({ payload, priority: 2, headers: { a: 'b' } });
    expect(result).toBeInstanceOf(PublishMessageDto);
    expect(result).toMatchObject({ payload, priority: 2, headers: { a: 'b' } });
    expect((result as PublishMessageDto).payload).toBe(payload);
  });

  it('reads a body with messages as a batch of messages', async () => {
    const result = await sut.transform({ messages: [{ payload: 1 }, { payload: null, key: 'k' }] });
    expect(result).toBeInstanceOf(PublishBatchDto);
    expect((result as PublishBatchDto).messages).toHaveLength(2);
    expect((result as PublishBatchDto).messages[1]).toBeInstanceOf(PublishMessageDto);
  });

  it('accepts null, false and 0 as payloads', async () => {
    for (const payload of [null, false, 0, '']) await expect(sut.transform({ payload })).resolves.toMatchObject({ payload });
  });

  it('refuses null for an optional field, which the domain alone would take as absent', async () => {
    expect(await problems({ payload: 1, headers: null })).toEqual(['headers must be an object whose values are strings']);
    expect(await problems({ messages: [{ payload: 1, key: null }] })).toEqual(expect.arrayContaining(['messages.0.key must be a string']));
  });

  it('refuses a body that is not an object', async () => {
    expect(await problems([{ payload: 1 }])).toEqual(['body must be a message { payload, ... } or a batch { messages: [...] }']);
    expect(await problems(undefined)).toEqual(['body must be JSON, sent as Content-Type: application/json']);
  });

  it('names each batch item that is not an object', async () => {
    expect(await problems({ messages: [{ payload: 1 }, 2, null] })).toEqual(['messages.1 must be an object', 'messages.2 must be an object']);
  });

  it('lists unknown fields and bad options field by field', async () => {
    expect(await problems({ payload: 1, priority: 10, colour: 'red' })).toEqual(
      expect.arrayContaining(['property colour should not exist', 'priority must not be greater than 9']),
    );
    expect(await problems({ messages: [{ payload: 1 }, { ttlMs: 0 }] })).toEqual(expect.arrayContaining(['messages.1.payload is required', 'messages.1.ttlMs must not be less than 1']));
  });
});
