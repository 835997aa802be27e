/**
 * UTF-8 validation for text messages and close reasons (RFC 6455 §5.6, §8.1).
 *
 * Whole payloads go to Node's native validator (`buffer.isUtf8`, simdutf).
 * Payloads that arrive in pieces — fragments of a message, or one frame split
 * over several TCP reads — go through {@link Utf8Validator}, which fails as soon
 * as the bytes seen so far cannot be the start of valid UTF-8, rather than at
 * the end of the message. That is what the Autobahn suite calls "fail fast"
 * (cases 6.4.1–6.4.4): an endpoint that only validates at FIN is NON-STRICT.
 *
 * The rules are RFC 3629 §4: no overlong forms, no surrogates (U+D800–U+DFFF),
 * nothing above U+10FFFF.
 */
import { isUtf8 } from 'node:buffer';

/** Whether all of `bytes` is well-formed UTF-8. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  // Short payloads are usually ASCII, and a JS loop beats the native call there.
  const length = bytes.length;
  if (length < 32) {
    let i = 0;
    while (i < length && bytes[i]! < 0x80) i++;
    if (i === length) return true;
  }
  return isUtf8(bytes);
}

/**
 * Incremental validator: {@link push} each piece of a text message as it
 * arrives, then {@link finish} at the end of the message.
 *
 * State is the number of continuation bytes the current code point still needs
 * and the allowed range of the next one (RFC 3629's table narrows the second
 * byte after E0, ED, F0 and F4), so a code point split across any boundary is
 * accepted and an impossible prefix is rejected at its first bad byte.
 */
export class Utf8Validator {
  /** Continuation bytes still expected for the current code point (0–3). */
  private pending = 0;
  /** Inclusive range allowed for the next continuation byte. */
  private low = 0x80;
  private high = 0xbf;

  /** Forget any partial code point (start of a new message). */
  reset(): void {
    this.pending = 0;
    this.low = 0x80;
    this.high = 0xbf;
  }

  /**
   * Validate `bytes[start, end)` as the continuation of what came before.
   * Returns false as soon as the data can no longer be valid UTF-8.
   */
  push(bytes: Uint8Array, start: number, end: number): boolean {
    let i = start;
    if (this.pending === 0 && end - start < 64) {
      // Small pieces are usually ASCII: a JS scan beats a native call.
      while (i < end && bytes[i]! < 0x80) i++;
      if (i === end) return true;
    }
    // 1. Finish a code point left open by the previous piece.
    while (this.pending > 0 && i < end) {
      if (!this.acceptContinuation(bytes[i]!)) return false;
      i++;
    }
    if (i === end) return true;

    // 2. Find where the last, possibly incomplete, code point starts: look back
    //    at most 3 bytes for a lead byte whose sequence runs past `end`.
    let tail = end;
    for (let j = end - 1; j >= i && j >= end - 3; j--) {
      const b = bytes[j]!;
      if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking
      if (b >= 0xc0) {
        const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        if (j + length > end) tail = j;
      }
      break;
    }

    // 3. Everything before it must be complete, valid UTF-8: ask the native validator.
    if (tail > i && !isUtf8(bytes.subarray(i, tail))) return false;

    // 4. The incomplete tail must be a valid prefix.
    for (let j = tail; j < end; j++) {
      const b = bytes[j]!;
      if (this.pending > 0) {
        if (!this.acceptContinuation(b)) return false;
      } else if (!this.acceptLead(b)) {
        return false;
      }
    }
    return true;
  }

  /** Whether the message ended on a code point boundary. Resets the validator. */
  finish(): boolean {
    const complete = this.pending === 0;
    this.reset();
    return complete;
  }

  private acceptContinuation(b: number): boolean {
    if (b < this.low || b > this.high) return false;
    this.pending--;
    this.low = 0x80;
    this.high = 0xbf;
    return true;
  }

  /** RFC 3629 §4, the first byte of each row of the UTF8-octets grammar. */
  private acceptLead(b: number): boolean {
    if (b < 0x80) return true;
    if (b < 0xc2) return false; // stray continuation, or overlong C0/C1
    if (b < 0xe0) {
      this.pending = 1;
    } else if (b < 0xf0) {
      this.pending = 2;
      if (b === 0xe0) this.low = 0xa0; // no overlong 3-byte forms
      else if (b === 0xed) this.high = 0x9f; // no surrogates
    } else if (b < 0xf5) {
      this.pending = 3;
      if (b === 0xf0) this.low = 0x90; // no overlong 4-byte forms
      else if (b === 0xf4) this.high = 0x8f; // nothing above U+10FFFF
    } else {
      return false; // F5–FF never appear in UTF-8
    }
    return true;
  }
}
