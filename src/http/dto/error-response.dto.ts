import { ApiProperty } from '@nestjs/swagger';

/** Nest's error shape, used by every failing REST answer. */
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', example: 400 })
  statusCode!: number;

  @ApiProperty({ description: 'The status text.', example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    description: 'What went wrong; for a validation error (400) a list, one entry per problem, naming the field.',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['priority must not be greater than 9', 'property colour should not exist'],
  })
  message!: string | string[];
}
