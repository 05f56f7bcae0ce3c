import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, ValidateNested } from 'class-validator';
import { MAX_BATCH } from '../../publishing/publish-rules.js';
import { PublishMessageDto } from '../../publishing/publish-message.dto.js';
import { isValidPublish } from '../../publishing/publish-rules.js';

/** `publishBatch`: up to 1000 messages to one queue, all stored or none. Unknown fields answer VALIDATION. */
export class PublishBatchDto {
  static readonly forbidUnknownFields = true;

  @IsString()
  queue: string;

  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_BATCH) @ValidateNested({ each: true }) @Type(() => PublishMessageDto)
  messages: PublishMessageDto[];

  /**
   * Skips class-validator for a well-formed batch: validating 1000 nested DTOs cost more than storing
   * them. Each message's values are still checked by toNewMessage, with the message's index in the error.
   */
  static accept(value: unknown): PublishBatchDto | null {
    if (value === null || typeof value !== 'object' || Object.keys(value).some((k) => k !== 'queue' && k !== 'messages')) return null;
    const { queue, messages } = value as Record<string, unknown>;
    if (typeof queue !== 'string' || !Array.isArray(messages) || messages.length < 1 || messages.length > MAX_BATCH) return null;
    if (!messages.every((m) => isValidPublish(m))) return null;
    return Object.assign(new PublishBatchDto(), { queue, messages: messages as unknown as PublishMessageDto[] });
  }
}
