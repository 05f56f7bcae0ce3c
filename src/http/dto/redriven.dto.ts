import { ApiProperty } from '@nestjs/swagger';

/** Answer to a redrive: how many dead letters went back to ready (at attempt 1). */
export class RedrivenDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 4 })
  redriven!: number;
}
