import { IsOptional, IsString } from 'class-validator';

/** `getAll`: `{}`, or `{ event }` to send again only the pending messages of that CAPS event. */
export class GetAllDto {
  @IsOptional() @IsString()
  event?: string;
}
