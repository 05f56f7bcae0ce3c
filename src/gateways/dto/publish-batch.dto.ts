import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, ValidateNested } from 'class-validator';
import { MAX_BATCH } from '../../queue/publish-input.js';
import { PublishMessageDto } from './publish-message.dto.js';

/** `publishBatch`: up to 1000 messages to one queue, all stored or none. Unknown fields answer VALIDATION. */
export class PublishBatchDto {
  static readonly forbidUnknownFields = true;

  @IsString()
  queue: string;

  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_BATCH) @ValidateNested({ each: true }) @Type(() => PublishMessageDto)
  messages: PublishMessageDto[];
}
