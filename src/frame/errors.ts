import { CloseCode } from './close-code.js';

/**
 * Stable machine-readable codes for every protocol violation the frame layer
 * detects. They are part of the public API: match on `error.code`, not on
 * the message text.
 */
export type ProtocolErrorCode =
  | 'WS_ERR_UNEXPECTED_RSV_1'
  | 'WS_ERR_UNEXPECTED_RSV_2'
  | 'WS_ERR_UNEXPECTED_RSV_3'
  | 'WS_ERR_INVALID_OPCODE'
  | 'WS_ERR_FRAGMENTED_CONTROL_FRAME'
  | 'WS_ERR_CONTROL_FRAME_TOO_LARGE'
  | 'WS_ERR_UNEXPECTED_CONTINUATION'
  | 'WS_ERR_EXPECTED_CONTINUATION'
  | 'WS_ERR_EXPECTED_MASK'
  | 'WS_ERR_UNEXPECTED_MASK'
  | 'WS_ERR_INVALID_LENGTH'
  | 'WS_ERR_MESSAGE_TOO_BIG'
  | 'WS_ERR_INVALID_CLOSE_PAYLOAD'
  | 'WS_ERR_INVALID_CLOSE_CODE'
  | 'WS_ERR_INVALID_UTF8'
  | 'WS_ERR_INVALID_COMPRESSED_DATA';

/**
 * A violation of RFC 6455 by the peer, detected while parsing its frames.
 *
 * `closeCode` is the status the connection must be failed with
 * (RFC 6455 §7.1.7): 1002 for framing errors, 1007 for invalid UTF-8,
 * 1009 for a message over the size limit.
 */
export class ProtocolError extends Error {
  /** Stable identifier of the rule that was broken. */
  readonly code: ProtocolErrorCode;
  /** The close code the connection must be failed with. */
  readonly closeCode: CloseCode;

  constructor(code: ProtocolErrorCode, closeCode: CloseCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.closeCode = closeCode;
  }
}

/** Shorthand for the common case: a framing rule, failed with 1002. */
export function protocolViolation(code: ProtocolErrorCode, message: string): ProtocolError {
  return new ProtocolError(code, CloseCode.ProtocolError, message);
}
