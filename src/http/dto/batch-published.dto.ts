import { ApiProperty } from '@nestjs/swagger';

/** Answer to a batch publish: every message is durably stored, ids in request order. */
export class BatchPublishedDto {
  @ApiProperty({ type: [String], description: 'One id per message, in request order (the first id for a duplicate key).', example: ['0b7e7d2c-5f1a-4c3e-9a51-6d2b8f0e4a17', '5c1f9e0a-2b7d-4e68-8f3a-91c4d7e2b650'] })
  ids!: string[];
}
