import { ApiProperty } from '@nestjs/swagger';
import { NAMESPACES } from '../../common/namespaces.js';

/** A namespace with what it holds now. */
export class NamespaceInfoDto {
  @ApiProperty({ enum: NAMESPACES, example: 'caps' })
  name!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Queues ever used.', example: 1 })
  queues!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Rooms ever used or joined now.', example: 4 })
  rooms!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Sockets connected to the namespace now.', example: 7 })
  connections!: number;
}
