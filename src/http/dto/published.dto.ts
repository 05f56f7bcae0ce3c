import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PublishResult } from '../../store/stored-message.js';

/** Answer to a single queue publish: the message is durably stored. */
export class PublishedDto {
  @ApiProperty({ description: 'Message id, unique in the namespace.', example: '01a21322-8f59-7ee7-9c22-31d66d7bd476' })
  id!: string;

  @ApiPropertyOptional({ description: 'Present (true) when the key was seen within 24 h: `id` is the first message and nothing was stored.', example: true })
  duplicate?: true;

  /** `duplicate` only when true, as the contract's `{ id, duplicate? }`. */
  static from(result: PublishResult): PublishedDto {
    return result.duplicate ? { id: result.id, duplicate: true } : { id: result.id };
  }
}
