/**
 * Close status codes (RFC 6455 §7.4, and the IANA "WebSocket Close Code
 * Number Registry" that §11.7 creates).
 */
export const CloseCode = {
  /** 1000: the purpose of the connection has been fulfilled. */
  NormalClosure: 1000,
  /** 1001: an endpoint is going away (server shutdown, page navigation). */
  GoingAway: 1001,
  /** 1002: the peer broke the protocol. */
  ProtocolError: 1002,
  /** 1003: a data type the endpoint cannot accept. */
  UnsupportedData: 1003,
  /** 1005: reserved; reported locally when a close frame carried no code. Never sent. */
  NoStatusReceived: 1005,
  /** 1006: reserved; reported locally when the connection closed without a close frame. Never sent. */
  AbnormalClosure: 1006,
  /** 1007: a text message or close reason was not valid UTF-8. */
  InvalidPayloadData: 1007,
  /** 1008: a message violated the endpoint's policy. */
  PolicyViolation: 1008,
  /** 1009: a message was too big to process. */
  MessageTooBig: 1009,
  /** 1010: the client expected an extension the server did not negotiate. */
  MandatoryExtension: 1010,
  /** 1011: the server hit an unexpected condition. */
  InternalError: 1011,
  /** 1012: the service is restarting (IANA registry). */
  ServiceRestart: 1012,
  /** 1013: try again later (IANA registry). */
  TryAgainLater: 1013,
  /** 1014: a gateway or proxy got an invalid response upstream (IANA registry). */
  BadGateway: 1014,
  /** 1015: reserved; reported locally when the TLS handshake failed. Never sent. */
  TlsHandshake: 1015,
} as const;

/** A close code constant from {@link CloseCode}. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * Whether a close code received in a close frame is acceptable.
 *
 * The rule, and the one decision RFC 6455 leaves open:
 * - 0–999: never used (RFC 6455 §7.4.2) → invalid.
 * - 1000–1003 and 1007–1011: defined by RFC 6455 §7.4.1 → valid.
 * - 1004 (reserved), 1005, 1006 and 1015 ("MUST NOT be set as a status code in a
 *   Close control frame by an endpoint", §7.4.1) → invalid.
 * - 1012, 1013 and 1014: not in any RFC, but registered in the IANA registry that
 *   §11.7 establishes (Service Restart, Try Again Later, Bad Gateway) and sent by
 *   real servers and proxies. We accept them, as browsers and `ws` do; rejecting
 *   them would fail connections that a registered code was closing politely.
 * - 1016–2999: reserved for future protocol or extension use and unassigned → invalid.
 * - 3000–3999 (registered for libraries and frameworks) and 4000–4999 (private
 *   use) → valid (§7.4.2).
 * - 5000 and above: outside every range the RFC defines → invalid.
 */
export function isValidReceivedCloseCode(code: number): boolean {
  if (code >= 3000) return code <= 4999;
  if (code < 1000) return false;
  if (code <= 1003) return true;
  return code >= 1007 && code <= 1014;
}

/**
 * Whether `code` may be put into a close frame by this endpoint: every code a
 * peer may send us ({@link isValidReceivedCloseCode}), because the reserved ones
 * (1005, 1006, 1015) are exactly those that must never appear on the wire.
 */
export function isValidSentCloseCode(code: number): boolean {
  return Number.isInteger(code) && isValidReceivedCloseCode(code);
}
