import { ApiProperty } from '@nestjs/swagger';
import { DeadLetter } from '../../store/stored-message.js';
import { DeadLetterDto } from './dead-letter.dto.js';

/** A dead-lettered room copy: one per durable member, so it names the member. */
export class RoomDeadLetterDto extends DeadLetterDto {
  @ApiProperty({ description: 'The durable member (client id) this copy belongs to; redrive returns it there.', example: 'acme-widgets' })
  clientId!: string;

  static from(d: DeadLetter): RoomDeadLetterDto {
    return { ...DeadLetterDto.from(d), clientId: d.client };
  }
}
