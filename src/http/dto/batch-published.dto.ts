import { ApiProperty } from '@nestjs/swagger';

/** Answer to a batch publish: every message is durably stored, ids in request order. */
export class BatchPublishedDto {
  @ApiProperty({ type: [String], description: 'One id per message, in request order (the first id for a duplicate key).', example: ['01a21322-8f59-7ee7-9c22-31d66d7bd476', '01a21322-8fb7-74c0-93ce-ae15044a6b31'] })
  ids!: string[];
}
