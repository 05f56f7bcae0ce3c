import { CourierError } from '../common/courier-error.js';
import { NewMessage } from '../store/stored-message.js';

/** A message as producers describe it (REST body, socket event), before it is encoded for the store. */
export interface PublishInput {
  payload: unknown;
  key?: string;
  delayMs?: number;
  priority?: number;
  ttlMs?: number;
  headers?: Record<string, string>;
}

export const PUBLISH_FIELDS = ['payload', 'key', 'delayMs', 'priority', 'ttlMs', 'headers'] as const;
export const MAX_BATCH = 1000;
export const MAX_DELAY_MS = 30 * 24 * 60 * 60 * 1000;
export const MAX_KEY_LENGTH = 256;

/**
 * Checks one message against the contract's rules and encodes it once (payload and headers become the
 * strings the store keeps): the services call it, once per message. Edges run the same rules without
 * encoding (isValidPublish) on their fast path, and the shared PublishMessageDto for field-by-field errors.
 */
export function toNewMessage(input: PublishInput, where = ''): NewMessage {
  const options = checkPublishInput(input, where);
  return { payload: JSON.stringify(input.payload), ...options };
}

/** True when `input` meets every publishing rule (checked without encoding anything). */
export function isValidPublishInput(input: unknown): boolean {
  try {
    checkPublishInput(input as PublishInput, '');
    return true;
  } catch {
    return false;
  }
}

/**
 * The edges' fast path: a plain object whose fields are publishing fields (or `extra`, such as the socket's
 * `queue` / `room`), the publishing ones meeting every rule, checked without encoding. Anything else goes
 * to class-validator, which words the errors field by field; nothing this accepts could fail there.
 */
export function isValidPublish(value: unknown, extra: readonly string[] = []): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const message: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if ((PUBLISH_FIELDS as readonly string[]).includes(key)) message[key] = v;
    else if (!extra.includes(key)) return false;
  }
  return isValidPublishInput(message);
}

/** The rules of toNewMessage; throws a VALIDATION CourierError naming the field, or returns the options. */
function checkPublishInput(input: PublishInput, where: string): Omit<NewMessage, 'payload'> {
  const at = (field: string) => (where ? `${where}.${field}` : field);
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw CourierError.validation(`${where || 'message'} must be an object`);
  for (const field of Object.keys(input)) {
    if (!(PUBLISH_FIELDS as readonly string[]).includes(field)) throw CourierError.validation(`${at(field)} is not allowed`, { field: at(field) });
  }
  if (input.payload === undefined) throw CourierError.validation(`${at('payload')} is required`, { field: at('payload') });
  for (const field of PUBLISH_FIELDS) {
    // null is not "not given" (contract §3): an optional field is a value of its type or absent.
    if (field !== 'payload' && input[field] === null) throw CourierError.validation(`${at(field)} must not be null`, { field: at(field) });
  }
  const priority = intIn(input.priority, 0, 9, at('priority'), 0);
  const delayMs = intIn(input.delayMs, 0, MAX_DELAY_MS, at('delayMs'), 0);
  const ttlMs = intIn(input.ttlMs, 1, MAX_DELAY_MS, at('ttlMs'), 0);
  const key = input.key ?? '';
  if (typeof key !== 'string' || (input.key !== undefined && (key.length < 1 || key.length > MAX_KEY_LENGTH))) {
    throw CourierError.validation(`${at('key')} must be a string of 1 to ${MAX_KEY_LENGTH} characters`, { field: at('key') });
  }
  const headers = input.headers ?? {};
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers) || Object.values(headers).some((v) => typeof v !== 'string')) {
    throw CourierError.validation(`${at('headers')} must be an object whose values are strings`, { field: at('headers') });
  }
  return { headers: { ...headers }, priority, delayMs, ttlMs, key };
}

function intIn(value: unknown, min: number, max: number, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw CourierError.validation(`${field} must be an integer from ${min} to ${max}`, { field });
  }
  return value;
}
