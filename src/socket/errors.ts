/**
 * Errors the connection layer reports (besides the frame layer's
 * ProtocolError, which it passes through).
 */

/** Stable machine-readable codes for connection-level failures. */
export type ConnectionErrorCode =
  /** The peer did not complete the closing handshake within closeTimeout. */
  | 'WS_ERR_CLOSE_TIMEOUT'
  /** No pong answered a heartbeat ping within the heartbeat timeout. */
  | 'WS_ERR_HEARTBEAT_TIMEOUT'
  /** The TCP connection ended without a close frame (RFC 6455 §7.1.5: code 1006). */
  | 'WS_ERR_CONNECTION_LOST'
  /** The underlying socket reported an error (reset, broken pipe, TLS failure). */
  | 'WS_ERR_SOCKET'
  /** The connection was terminated locally without a closing handshake. */
  | 'WS_ERR_TERMINATED';

/** A connection-level failure; `cause` holds the underlying error, if any. */
export class ConnectionError extends Error {
  readonly code: ConnectionErrorCode;

  constructor(code: ConnectionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectionError';
    this.code = code;
  }
}
