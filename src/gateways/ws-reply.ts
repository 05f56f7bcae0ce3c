import { ErrorCode } from '../common/error-code.js';

/** What every client → server event answers through its acknowledgement callback (contract §3). */
export type WsReply<T extends object = object> = ({ ok: true } & T) | WsFailure;

export interface WsFailure {
  ok: false;
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** `{ ok: true, ...fields }`. Never put an `event` field here: Nest would emit the reply under that name. */
export function ok<T extends object>(fields: T = {} as T): { ok: true } & T {
  return { ok: true, ...fields };
}

export function fail(code: ErrorCode, message: string, details?: unknown): WsFailure {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}
