import { ApiProperty } from '@nestjs/swagger';
import { RoomInfo } from '../../rooms/room.service.js';

/** A room of a namespace. */
export class RoomInfoDto implements RoomInfo {
  @ApiProperty({ pattern: '^[A-Za-z0-9._:-]{1,128}$', example: 'acme-widgets' })
  name!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Connected sockets in the room now.', example: 2 })
  online!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Durable members (client ids), connected or not.', example: 1 })
  members!: number;
}
