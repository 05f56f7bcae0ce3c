import { ApiProperty } from '@nestjs/swagger';

/** Answer to a purge: how many ready messages were removed (in-flight, delayed and dead letters stay). */
export class PurgedDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 12 })
  purged!: number;
}
