import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { isValidPublish, MAX_BATCH } from '../publishing/publish-rules.js';
import { PublishBatchDto } from './dto/publish-batch.dto.js';
import { PublishMessageDto } from '../publishing/publish-message.dto.js';
import { assertShallowBody, HttpValidationPipe } from './http-validation.pipe.js';

/**
 * One route takes a message or a batch: a body with `messages` is a batch, anything else a single
 * message, each validated by its DTO (unknown fields included, so `{ messages, payload }` is refused).
 *
 * class-validator costs about 20 µs per message, as much as storing it, so a body is first checked
 * against the publishing rules without encoding anything (`isValidPublish`, the sockets' fast path too;
 * the services encode each message once). A body that passes could not fail the DTOs; only one that fails
 * goes through class-validator, which lists every problem field by field.
 */
@Injectable()
export class PublishBodyPipe implements PipeTransform<unknown, Promise<PublishMessageDto | PublishBatchDto>> {
  private readonly validation = new HttpValidationPipe();

  async transform(body: unknown): Promise<PublishMessageDto | PublishBatchDto> {
    // Express leaves the body undefined when the request is not application/json.
    if (body === undefined) throw new BadRequestException(['body must be JSON, sent as Content-Type: application/json']);
    assertShallowBody(body);
    if (!isPlainObject(body)) {
      throw new BadRequestException(['body must be a message { payload, ... } or a batch { messages: [...] }']);
    }
    const { messages } = body as { messages?: unknown };
    // class-validator would say "each value in nested property messages must be either object or array".
    const notObjects = Array.isArray(messages) ? messages.flatMap((m, i) => (isPlainObject(m) ? [] : [`messages.${i} must be an object`])) : [];
    if (notObjects.length) throw new BadRequestException(notObjects);
    const isBatch = 'messages' in body;
    const valid = isBatch ? fastBatch(body) : fastMessage(body);
    if (valid) return valid;
    return (await this.validation.transform(body, { type: 'body', metatype: isBatch ? PublishBatchDto : PublishMessageDto })) as PublishMessageDto | PublishBatchDto;
  }
}

function isPlainObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The body as a PublishMessageDto when it surely passes the DTO's rules, else null. */
function fastMessage(body: object): PublishMessageDto | null {
  return isValidPublish(body) ? Object.assign(new PublishMessageDto(), body) : null;
}

function fastBatch(body: object): PublishBatchDto | null {
  const { messages, ...rest } = body as { messages: unknown };
  if (Object.keys(rest).length > 0 || !Array.isArray(messages) || messages.length < 1 || messages.length > MAX_BATCH) return null;
  const dtos: PublishMessageDto[] = [];
  for (const m of messages as object[]) {
    const dto = fastMessage(m);
    if (!dto) return null;
    dtos.push(dto);
  }
  return Object.assign(new PublishBatchDto(), { messages: dtos });
}
