import { CourierError } from './courier-error.js';

/** Queue and room names (contract §2). */
export const NAME_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The one room name outside the pattern: sockets join it to hear depth alarms. */
export const ALARMS_ROOM = '$alarms';

export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && NAME_PATTERN.test(name);
}

export function assertName(kind: 'queue' | 'room', name: unknown): string {
  if (!isValidName(name)) {
    throw CourierError.validation(`${kind} must match ${NAME_PATTERN.source}`, { field: kind });
  }
  return name;
}
