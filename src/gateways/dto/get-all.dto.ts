import { IsOmittable } from '../../common/validators.js';
import { IsString } from 'class-validator';

/** `getAll`: `{}`, or `{ event }` to send again only the pending messages of that CAPS event. */
export class GetAllDto {
  @IsOmittable() @IsString()
  event?: string;
}
