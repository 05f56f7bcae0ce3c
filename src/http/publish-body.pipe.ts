import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { PublishBatchDto } from './dto/publish-batch.dto.js';
import { PublishMessageDto } from './dto/publish-message.dto.js';
import { HttpValidationPipe } from './http-validation.pipe.js';

/**
 * One route takes a message or a batch: a body with `messages` is a batch, anything else a single
 * message, each validated by its DTO (unknown fields included, so `{ messages, payload }` is refused).
 */
@Injectable()
export class PublishBodyPipe implements PipeTransform<unknown, Promise<PublishMessageDto | PublishBatchDto>> {
  private readonly validation = new HttpValidationPipe();

  async transform(body: unknown): Promise<PublishMessageDto | PublishBatchDto> {
    // Express leaves the body undefined when the request is not application/json.
    if (body === undefined) throw new BadRequestException(['body must be JSON, sent as Content-Type: application/json']);
    if (!isPlainObject(body)) {
      throw new BadRequestException(['body must be a message { payload, ... } or a batch { messages: [...] }']);
    }
    const { messages } = body as { messages?: unknown };
    // class-validator would say "each value in nested property messages must be either object or array".
    const notObjects = Array.isArray(messages) ? messages.flatMap((m, i) => (isPlainObject(m) ? [] : [`messages.${i} must be an object`])) : [];
    if (notObjects.length) throw new BadRequestException(notObjects);
    const metatype = 'messages' in body ? PublishBatchDto : PublishMessageDto;
    return (await this.validation.transform(body, { type: 'body', metatype })) as PublishMessageDto | PublishBatchDto;
  }
}

function isPlainObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
