/**
 * The opening handshake's key exchange (RFC 6455 §1.3, §4.1, §4.2.2).
 */
import { createHash, randomBytes } from 'node:crypto';

/** The GUID RFC 6455 §1.3 appends to the client's key. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64 of the SHA-1 of
 * the key concatenated with the GUID (RFC 6455 §4.2.2 step 5.4).
 */
export function computeAcceptKey(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}

/**
 * A fresh `Sec-WebSocket-Key`: 16 random bytes, base64-encoded (RFC 6455
 * §4.1: "randomly selected ... for each connection").
 */
export function createClientKey(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Whether `key` is a valid `Sec-WebSocket-Key`: the base64 encoding of
 * exactly 16 bytes (RFC 6455 §4.2.1 item 5), i.e. 22 base64 characters
 * followed by `==`. Checked character by character (no regular expression
 * runs on peer input).
 */
export function isValidClientKey(key: string): boolean {
  if (key.length !== 24 || key[22] !== '=' || key[23] !== '=') return false;
  for (let i = 0; i < 22; i++) {
    const c = key.charCodeAt(i);
    const isBase64 =
      (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    if (!isBase64) return false;
  }
  // Non-zero padding bits in the 22nd character are tolerated: the text still
  // decodes to 16 bytes, which is all §4.2.1 asks.
  return true;
}
