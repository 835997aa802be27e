/**
 * Errors of the opening handshake (RFC 6455 §4).
 */

/** Stable machine-readable codes for handshake failures. */
export type HandshakeErrorCode =
  // Reading an HTTP head (either side)
  | 'WS_ERR_HEADER_TOO_LARGE'
  | 'WS_ERR_TOO_MANY_HEADERS'
  | 'WS_ERR_MALFORMED_HTTP'
  | 'WS_ERR_HANDSHAKE_TIMEOUT'
  | 'WS_ERR_CONNECTION_CLOSED'
  | 'WS_ERR_CONNECTION_FAILED'
  // Server-side validation of a client's request (RFC 6455 §4.2.1)
  | 'WS_ERR_INVALID_METHOD'
  | 'WS_ERR_INVALID_HTTP_VERSION'
  | 'WS_ERR_MISSING_HOST'
  | 'WS_ERR_INVALID_UPGRADE_HEADER'
  | 'WS_ERR_INVALID_CONNECTION_HEADER'
  | 'WS_ERR_INVALID_KEY'
  | 'WS_ERR_UNSUPPORTED_VERSION'
  | 'WS_ERR_INVALID_PROTOCOL_HEADER'
  | 'WS_ERR_INVALID_EXTENSION_HEADER'
  | 'WS_ERR_UNEXPECTED_BODY'
  | 'WS_ERR_NOT_FOUND'
  | 'WS_ERR_FORBIDDEN'
  // Client-side validation of the server's response (RFC 6455 §4.1)
  | 'WS_ERR_UNEXPECTED_STATUS'
  | 'WS_ERR_INVALID_ACCEPT'
  | 'WS_ERR_UNEXPECTED_PROTOCOL'
  | 'WS_ERR_UNEXPECTED_EXTENSION'
  | 'WS_ERR_TOO_MANY_REDIRECTS'
  | 'WS_ERR_INVALID_URL'
  | 'WS_ERR_INSECURE_CREDENTIALS';

/**
 * The opening handshake failed.
 *
 * On the server, `status` is the HTTP status to answer with (400 malformed,
 * 403 refused, 404 not served, 405 not GET, 408 too slow, 426 wrong version,
 * 431 headers too large);
 * on the client it is the status the server answered with, when there was one,
 * and 0 when there was none (timeout, network error, connection closed early).
 */
export class HandshakeError extends Error {
  readonly code: HandshakeErrorCode;
  readonly status: number;

  constructor(code: HandshakeErrorCode, message: string, status = 400, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HandshakeError';
    this.code = code;
    this.status = status;
  }
}
