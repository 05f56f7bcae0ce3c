import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { MAX_DELAY_MS, MAX_KEY_LENGTH, PublishInput } from './publish-rules.js';
import { IsOmittable, IsPresent, IsStringMap } from '../common/validators.js';

/** One message, as `POST …/queues/:queue/messages` and `POST …/rooms/:room/messages` take it. */
export class PublishMessageDto implements PublishInput {
  @ApiProperty({
    description: 'Any JSON value (object, array, string, number, boolean or null); delivered exactly as sent.',
    example: { orderId: 'A-1001', store: 'acme-widgets', customer: 'Ada Lovelace' },
    oneOf: [{ type: 'object' }, { type: 'array', items: {} }, { type: 'string' }, { type: 'number' }, { type: 'boolean' }],
    nullable: true,
  })
  // Keep the value exactly as parsed: class-transformer would otherwise rebuild nested objects.
  @Transform(({ obj }) => (obj as Record<string, unknown>).payload)
  @IsPresent()
  payload!: unknown;

  @ApiPropertyOptional({
    description: 'Idempotency key: a second publish with the same key to the same queue or room within 24 h returns the first id with `duplicate: true` and stores nothing. Wins over the `Idempotency-Key` header.',
    minLength: 1,
    maxLength: MAX_KEY_LENGTH,
    example: 'order-A-1001',
  })
  @IsOmittable()
  @IsString()
  @Length(1, MAX_KEY_LENGTH)
  key?: string;

  @ApiPropertyOptional({ description: 'Not delivered before this many ms from now.', type: 'integer', minimum: 0, maximum: MAX_DELAY_MS, default: 0, example: 5000 })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(MAX_DELAY_MS)
  delayMs?: number;

  @ApiPropertyOptional({ description: 'Higher first; equal priorities in publish order.', type: 'integer', minimum: 0, maximum: 9, default: 0, example: 5 })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(9)
  priority?: number;

  @ApiPropertyOptional({
    description: 'Not delivered after this many ms from now: then dead-lettered with reason `expired`.',
    type: 'integer',
    minimum: 1,
    maximum: MAX_DELAY_MS,
    example: 60000,
  })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(MAX_DELAY_MS)
  ttlMs?: number;

  @ApiPropertyOptional({
    description: 'String map passed through to consumers.',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'content-type': 'application/json', source: 'web-shop' },
  })
  @Transform(({ obj }) => (obj as Record<string, unknown>).headers)
  @IsOmittable()
  @IsStringMap()
  headers?: Record<string, string>;
}
