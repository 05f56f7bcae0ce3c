import { PipeTransform } from '@nestjs/common';
import { assertName } from '../common/names.js';

/** `:queue` / `:room` must match the name rule (400 otherwise). */
export class NamePipe implements PipeTransform<string, string> {
  constructor(private readonly kind: 'queue' | 'room') {}

  transform(value: string): string {
    return assertName(this.kind, value);
  }
}
