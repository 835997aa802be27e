/**
 * The frame serializer (RFC 6455 §5.2): frames in, bytes out.
 *
 * {@link encodeFrame} returns the frame as a list of chunks for the socket
 * layer to write under `cork()` (one `writev`):
 * - masked frames (clients) and small frames are one buffer: header and
 *   payload share one allocation, and a masked payload is masked straight into
 *   it — the caller's bytes are never modified;
 * - large unmasked byte payloads are two chunks, `[header, payload]`, so the
 *   payload is not copied just to put 2–10 bytes in front of it (unless the
 *   caller asks for a copy with {@link EncodeFrameOptions.copy});
 * - strings are encoded as UTF-8 straight into the frame buffer.
 *
 * Frames up to 16 KiB are carved from shared slabs (./frame-pool.ts), as
 * `Buffer.allocUnsafe` carves small buffers from Node's pool: keep a frame
 * only as long as it takes to write it, or copy it.
 */
import { randomFillSync } from 'node:crypto';
import { CloseCode } from './close-code.js';
import { allocFrame } from './frame-pool.js';
import { maskCopy, maskInPlace } from './mask.js';
import { Opcode } from './opcode.js';

/**
 * Unmasked byte payloads up to this size are copied into the header's buffer:
 * one small copy is cheaper than a second chunk in the `writev`.
 */
export const MERGE_THRESHOLD = 1024;

/** Largest close reason, in UTF-8 bytes: 125 bytes of payload minus the 2-byte code (RFC 6455 §5.5). */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Options for {@link encodeFrame}. */
export interface EncodeFrameOptions {
  /** FIN bit: this is the last frame of its message. Default true. */
  readonly fin?: boolean;
  /** RSV1 bit (permessage-deflate's "compressed" flag on a message's first frame). Default false. */
  readonly rsv1?: boolean;
  /**
   * Mask the frame (RFC 6455 §5.3; every client frame must be masked). `true`
   * draws a fresh key from the CSPRNG pool ({@link randomMaskKey}); a number is
   * used as the key itself (little-endian octets, see ./mask.ts), for tests and
   * for callers with their own key source. Default false.
   */
  readonly mask?: boolean | number;
  /**
   * Always return one buffer that owns a copy of the payload, so the caller may
   * reuse its bytes at once. Masked frames and strings are always copies.
   * Default false.
   */
  readonly copy?: boolean;
}

// Masking keys come from a pooled CSPRNG buffer: one randomFillSync call per
// 2048 keys instead of one per frame (RFC 6455 §5.3 requires keys that are
// unpredictable to the application; Math.random is not).
const KEY_POOL_SIZE = 2048;
const keyPool = new Int32Array(KEY_POOL_SIZE);
let keyPoolIndex = KEY_POOL_SIZE;

/** A fresh masking key from the CSPRNG pool (little-endian octets, see ./mask.ts). */
export function randomMaskKey(): number {
  if (keyPoolIndex === KEY_POOL_SIZE) {
    randomFillSync(keyPool);
    keyPoolIndex = 0;
  }
  return keyPool[keyPoolIndex++]!;
}

/** Size of the header for a payload of `length` bytes: 2, 4 or 10 bytes, plus 4 when masked. */
export function frameHeaderSize(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length < 65536 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Write a frame header into `target` at `offset`; returns the offset after it.
 * Uses the minimal length encoding (RFC 6455 §5.2: "the minimal number of
 * bytes MUST be used to encode the length"). `maskKey` null means unmasked.
 */
export function writeFrameHeader(
  target: Buffer, offset: number,
  fin: boolean, rsv1: boolean, opcode: number,
  length: number, maskKey: number | null,
): number {
  // Plain byte stores: measurably cheaper than the bounds-checked Buffer
  // write methods on the small-frame hot path.
  target[offset] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  const maskBit = maskKey === null ? 0 : 0x80;
  if (length < 126) {
    target[offset + 1] = maskBit | length;
    offset += 2;
  } else if (length < 65536) {
    target[offset + 1] = maskBit | 126;
    target[offset + 2] = length >>> 8;
    target[offset + 3] = length & 0xff;
    offset += 4;
  } else {
    target[offset + 1] = maskBit | 127;
    const high = Math.floor(length / 0x100000000);
    target[offset + 2] = high >>> 24;
    target[offset + 3] = (high >>> 16) & 0xff;
    target[offset + 4] = (high >>> 8) & 0xff;
    target[offset + 5] = high & 0xff;
    target[offset + 6] = length >>> 24;
    target[offset + 7] = (length >>> 16) & 0xff;
    target[offset + 8] = (length >>> 8) & 0xff;
    target[offset + 9] = length & 0xff;
    offset += 10;
  }
  if (maskKey !== null) {
    target[offset] = maskKey & 0xff;
    target[offset + 1] = (maskKey >>> 8) & 0xff;
    target[offset + 2] = (maskKey >>> 16) & 0xff;
    target[offset + 3] = maskKey >>> 24;
    offset += 4;
  }
  return offset;
}

/**
 * Strings up to this many UTF-16 units are checked for ASCII and, if so,
 * written (and masked) by one JS loop: for short messages that beats the
 * native UTF-8 length and write calls.
 */
const SHORT_STRING = 128;

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function encodeAsciiFrame(opcode: number, text: string, fin: boolean, rsv1: boolean, maskKey: number | null): Buffer {
  const length = text.length;
  const frame = allocFrame(frameHeaderSize(length, maskKey !== null) + length);
  const start = writeFrameHeader(frame, 0, fin, rsv1, opcode, length, maskKey);
  if (maskKey === null) {
    for (let i = 0; i < length; i++) frame[start + i] = text.charCodeAt(i);
  } else {
    const k0 = maskKey & 0xff;
    const k1 = (maskKey >>> 8) & 0xff;
    const k2 = (maskKey >>> 16) & 0xff;
    const k3 = maskKey >>> 24;
    let i = 0;
    for (; i + 3 < length; i += 4) {
      frame[start + i] = text.charCodeAt(i) ^ k0;
      frame[start + i + 1] = text.charCodeAt(i + 1) ^ k1;
      frame[start + i + 2] = text.charCodeAt(i + 2) ^ k2;
      frame[start + i + 3] = text.charCodeAt(i + 3) ^ k3;
    }
    if (i < length) frame[start + i] = text.charCodeAt(i) ^ k0;
    if (i + 1 < length) frame[start + i + 1] = text.charCodeAt(i + 1) ^ k1;
    if (i + 2 < length) frame[start + i + 2] = text.charCodeAt(i + 2) ^ k2;
  }
  return frame;
}

function resolveMaskKey(mask: boolean | number | undefined): number | null {
  if (mask === undefined || mask === false) return null;
  return mask === true ? randomMaskKey() : mask | 0;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Encode one frame. Returns the chunks to write, in order: one buffer, or
 * `[header, payload]` for a large unmasked byte payload (see the module comment).
 *
 * The frame is not validated against RFC 6455's rules for control frames
 * (≤125 bytes, FIN set); the socket layer only builds valid ones.
 */
export function encodeFrame(opcode: Opcode, payload: Uint8Array | string, options: EncodeFrameOptions = {}): Buffer[] {
  const fin = options.fin ?? true;
  const rsv1 = options.rsv1 ?? false;
  const maskKey = resolveMaskKey(options.mask);
  const masked = maskKey !== null;

  if (typeof payload === 'string') {
    if (payload.length <= SHORT_STRING && isAscii(payload)) return [encodeAsciiFrame(opcode, payload, fin, rsv1, maskKey)];
    const length = Buffer.byteLength(payload, 'utf8');
    const frame = allocFrame(frameHeaderSize(length, masked) + length);
    const start = writeFrameHeader(frame, 0, fin, rsv1, opcode, length, maskKey);
    frame.write(payload, start, 'utf8');
    // The encoded text is our own buffer: mask it where it lies.
    if (masked) maskInPlace(frame, start, start + length, maskKey);
    return [frame];
  }

  const length = payload.byteLength;
  const headerSize = frameHeaderSize(length, masked);
  if (!masked && length > MERGE_THRESHOLD && options.copy !== true) {
    const header = allocFrame(headerSize);
    writeFrameHeader(header, 0, fin, rsv1, opcode, length, null);
    return [header, asBuffer(payload)];
  }
  const frame = allocFrame(headerSize + length);
  const start = writeFrameHeader(frame, 0, fin, rsv1, opcode, length, maskKey);
  if (masked) maskCopy(payload, 0, length, frame, start, maskKey);
  else frame.set(payload, start);
  return [frame];
}

/** Options for {@link encodeMessage}. */
export interface EncodeMessageOptions extends Omit<EncodeFrameOptions, 'fin'> {
  /**
   * Split the message into frames of at most this many payload bytes
   * (RFC 6455 §5.4). Default: one frame. Each frame gets its own masking key.
   */
  readonly fragmentSize?: number;
}

/**
 * Encode a whole data message, fragmented if `fragmentSize` asks for it.
 * The first frame carries the opcode (and RSV1); the rest are continuations.
 */
export function encodeMessage(
  opcode: typeof Opcode.Text | typeof Opcode.Binary,
  payload: Uint8Array | string,
  options: EncodeMessageOptions = {},
): Buffer[] {
  const fragmentSize = options.fragmentSize ?? Infinity;
  if (!(fragmentSize >= 1)) throw new RangeError(`fragmentSize must be at least 1, got ${fragmentSize}`);
  // Unfragmented (the usual case): no UTF-8 length scan of a string here; encodeFrame does the one it needs.
  if (fragmentSize === Infinity) return encodeFrame(opcode, payload, options);
  const length = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength;
  if (length <= fragmentSize) return encodeFrame(opcode, payload, options);

  // Fragmentation splits bytes, so a string is encoded first.
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < length; offset += fragmentSize) {
    const end = Math.min(offset + fragmentSize, length);
    const first = offset === 0;
    chunks.push(...encodeFrame(first ? opcode : Opcode.Continuation, bytes.subarray(offset, end), {
      fin: end === length,
      rsv1: first && options.rsv1 === true,
      mask: options.mask === undefined ? false : options.mask,
      copy: options.copy === true,
    }));
  }
  return chunks;
}

/**
 * The payload of a close frame (RFC 6455 §5.5.1): the 2-byte code followed by
 * the UTF-8 reason, or nothing at all for {@link CloseCode.NoStatusReceived}
 * (a close without a code). Throws a RangeError for a reason over 123 bytes or
 * a reason without a code; the caller validates the code itself.
 */
export function encodeClosePayload(code: number, reason = ''): Buffer {
  if (code === CloseCode.NoStatusReceived) {
    if (reason !== '') throw new RangeError('A close reason requires a close code');
    return Buffer.alloc(0);
  }
  const reasonLength = Buffer.byteLength(reason, 'utf8');
  if (reasonLength > MAX_CLOSE_REASON_BYTES) {
    throw new RangeError(`Close reason is ${reasonLength} bytes; at most ${MAX_CLOSE_REASON_BYTES} are allowed`);
  }
  const payload = Buffer.allocUnsafe(2 + reasonLength);
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, 'utf8');
  return payload;
}
