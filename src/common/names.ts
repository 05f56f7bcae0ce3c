import { CourierError } from './courier-error.js';

/** Queue and room names (contract §2), except `.` and `..`, which HTTP clients rewrite out of a URL. */
export const NAME_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._:-]{1,128}$/;

/** The rule as error messages state it. */
export const NAME_RULE = '^[A-Za-z0-9._:-]{1,128}$ (and not . or ..)';

/** The one room name outside the pattern: sockets join it to hear depth alarms. */
export const ALARMS_ROOM = '$alarms';

export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && NAME_PATTERN.test(name);
}

export function assertName(kind: 'queue' | 'room', name: unknown): string {
  if (!isValidName(name)) {
    throw CourierError.validation(`${kind} must match ${NAME_RULE}`, { field: kind });
  }
  return name;
}
