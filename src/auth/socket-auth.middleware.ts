import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';
import { isValidName, NAME_RULE } from '../common/names.js';
import { AuthService } from './auth.service.js';

/** The part of a Socket.IO socket the handshake reads and writes. */
export interface HandshakeSocket {
  readonly handshake: { readonly auth?: unknown };
  readonly data: { clientId?: string | null };
}

/**
 * Socket.IO middleware of one namespace: the token (API key or JWT) when auth is on, then the client id
 * (`auth.clientId`, or the JWT's `sub`), kept in `socket.data.clientId`. A refused socket gets a connect
 * error whose `message` is the error code (UNAUTHORIZED, FORBIDDEN or VALIDATION) and `data` says why.
 */
export function socketAuth(auth: AuthService, ns: string) {
  return (socket: HandshakeSocket, next: (error?: Error) => void): void => {
    const given = (socket.handshake.auth ?? {}) as { clientId?: unknown; token?: unknown };
    const claimed = given.clientId ?? null;
    try {
      if (claimed !== null && !isValidName(claimed)) throw CourierError.validation(`clientId must match ${NAME_RULE}`);
      const { clientId } = auth.authenticateSocket(ns, given.token, claimed);
      if (clientId !== null && !isValidName(clientId)) throw CourierError.validation(`clientId must match ${NAME_RULE}`);
      socket.data.clientId = clientId;
      next();
    } catch (error) {
      const code = error instanceof CourierError ? error.code : ErrorCode.UNAUTHORIZED;
      const message = error instanceof Error ? error.message : code;
      next(Object.assign(new Error(code), { data: { code, message } }));
    }
  };
}
