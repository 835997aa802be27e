/**
 * Payload helpers: build the lazily described payloads of big cases, compare
 * received bytes with expected ones, and render payloads for reports.
 */
import type { Bytes, RepeatedBytes } from './types.js';

/** `pattern` repeated to `length` bytes, built only when a case runs. */
export function repeated(pattern: string | Buffer, length: number): RepeatedBytes {
  return { repeat: typeof pattern === 'string' ? Buffer.from(pattern, 'utf8') : pattern, length };
}

/** Bytes of a hex string; whitespace is ignored. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** Length in bytes. */
export function byteLength(bytes: Bytes): number {
  return Buffer.isBuffer(bytes) ? bytes.length : bytes.length;
}

// A case may need the same big payload several times (send, expect); the last
// few are kept, keyed by pattern and length, so each is built once.
const CACHE_SIZE = 4;
const cache = new Map<string, Buffer>();

/** The bytes themselves. Repeated payloads are built once and cached (a few entries). */
export function materialize(bytes: Bytes): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  const key = `${bytes.repeat.toString('hex')}:${bytes.length}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const out = Buffer.allocUnsafe(bytes.length);
  if (bytes.length > 0) {
    if (bytes.repeat.length === 0) throw new RangeError('cannot repeat an empty pattern');
    out.set(bytes.repeat.subarray(0, Math.min(bytes.repeat.length, bytes.length)), 0);
    // Double the filled prefix until the buffer is full.
    for (let filled = Math.min(bytes.repeat.length, bytes.length); filled < bytes.length; filled *= 2) {
      out.copyWithin(filled, 0, Math.min(filled, bytes.length - filled));
    }
  }
  cache.set(key, out);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return out;
}

/** Drop cached payloads (after a run). */
export function clearPayloadCache(): void {
  cache.clear();
}

/** Whether `actual` holds exactly the bytes `expected` describes. */
export function bytesEqual(expected: Bytes, actual: Buffer): boolean {
  if (byteLength(expected) !== actual.length) return false;
  return materialize(expected).equals(actual);
}

/** Longest payload prefix shown in reports. */
export const PREVIEW_BYTES = 64;

/**
 * A short, readable rendering of a payload: `"text"` when it is printable
 * UTF-8, hex otherwise, cut at {@link PREVIEW_BYTES} with the full length noted.
 */
export function preview(bytes: Bytes, limit = PREVIEW_BYTES): string {
  const length = byteLength(bytes);
  const head = Buffer.isBuffer(bytes)
    ? bytes.subarray(0, limit)
    : materializePrefix(bytes, Math.min(limit, length));
  const cut = length > limit ? ` … (${length} bytes)` : '';
  const text = head.toString('utf8');
  // Printable: valid UTF-8 (no replacement character came out) without control characters.
  const printable = /^[^\u0000-\u001f\u007f\ufffd]*$/u.test(text);
  if (printable && length > 0) return `"${text}"${cut}`;
  return length === 0 ? '(empty)' : `0x${head.toString('hex')}${cut}`;
}

function materializePrefix(bytes: RepeatedBytes, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = bytes.repeat[i % bytes.repeat.length]!;
  return out;
}
