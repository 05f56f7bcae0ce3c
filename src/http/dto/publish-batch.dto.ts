import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import { MAX_BATCH } from '../../publishing/publish-rules.js';
import { PublishMessageDto } from '../../publishing/publish-message.dto.js';

/** Up to 1000 messages to one queue, stored all or none. */
export class PublishBatchDto {
  @ApiProperty({
    type: [PublishMessageDto],
    minItems: 1,
    maxItems: MAX_BATCH,
    description: `1 to ${MAX_BATCH} messages; the whole request must fit in MAX_PAYLOAD_BYTES.`,
    example: [{ payload: { orderId: 'A-1001' } }, { payload: { orderId: 'A-1002' }, priority: 9 }],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH)
  @ValidateNested({ each: true })
  @Type(() => PublishMessageDto)
  messages!: PublishMessageDto[];
}
