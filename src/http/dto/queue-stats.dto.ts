import { ApiProperty } from '@nestjs/swagger';
import { QueueStats } from '../../queue/queue-stats.js';

/** Contract §4 `QueueStats`: counts now, totals since the queue was created. */
export class QueueStatsDto implements QueueStats {
  @ApiProperty({ pattern: '^[A-Za-z0-9._:-]{1,128}$', example: 'pickup' })
  name!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Messages waiting for a consumer.', example: 12 })
  ready!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Delivered, not yet acked.', example: 3 })
  inFlight!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Waiting for `delayMs` or a `nack { delayMs }`.', example: 1 })
  delayed!: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 0 })
  deadLettered!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Live consumers (subscribed sockets).', example: 2 })
  consumers!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Total since creation.', example: 120 })
  published!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Total since creation.', example: 104 })
  acked!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Deliveries after the first (ack timeouts, disconnects, nacks), total since creation.', example: 5 })
  redelivered!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Age of the oldest ready message; 0 when none is ready.', example: 850 })
  oldestReadyAgeMs!: number;
}
