import { ApiProperty } from '@nestjs/swagger';
import type { DeadLetterReason } from '../../store/message-state.js';
import { DeadLetter } from '../../store/stored-message.js';

/** A dead-lettered queue message. */
export class DeadLetterDto {
  @ApiProperty({ example: '01a21322-8f59-7ee7-9c22-31d66d7bd476' })
  id!: string;

  @ApiProperty({ description: 'The payload as it was published; null for an `unreadable` record.', example: { orderId: 'A-1001' } })
  payload!: unknown;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Deliveries made before it was dead-lettered.', example: 5 })
  attempts!: number;

  @ApiProperty({ enum: ['max-attempts', 'rejected', 'expired', 'unreadable'], example: 'max-attempts' })
  reason!: DeadLetterReason;

  @ApiProperty({ format: 'date-time', example: '2026-11-25T14:22:29.763Z' })
  deadLetteredAt!: string;

  static from(d: DeadLetter): DeadLetterDto {
    return { id: d.id, payload: decodePayload(d.payload), attempts: d.attempts, reason: d.reason, deadLetteredAt: new Date(d.deadLetteredAt).toISOString() };
  }
}

/** A damaged record still lists (its payload as null) instead of failing the whole listing. */
function decodePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
