import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RoomPublishResult } from '../../rooms/room.service.js';

/** Answer to a room publish. */
export class RoomPublishedDto {
  @ApiProperty({ description: 'Message id, shared by every member copy.', example: '01a21322-8f59-7ee7-9c22-31d66d7bd476' })
  id!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Durable members that got a copy plus anonymous sockets it was sent to (0 for a duplicate).', example: 3 })
  recipients!: number;

  @ApiPropertyOptional({ description: 'Present (true) when the key was seen within 24 h: nothing was stored or sent.', example: true })
  duplicate?: true;

  /** `duplicate` only when true, as for a queue publish. */
  static from(result: RoomPublishResult): RoomPublishedDto {
    return result.duplicate ? { id: result.id, recipients: result.recipients, duplicate: true } : { id: result.id, recipients: result.recipients };
  }
}
