/**
 * Conversions between what the WebSocket API accepts or hands out and the
 * Buffers the connection layer works with.
 */

/** What `WebSocket.binaryType` may be: the standard two, plus Node's zero-copy Buffer. */
export type BinaryType = 'blob' | 'arraybuffer' | 'nodebuffer';

/** What `send()` accepts (WebIDL: `(BufferSource or Blob or USVString)`). */
export type SendData = string | ArrayBufferLike | ArrayBufferView | Blob;

/**
 * A Buffer view of `data` (no copy), for an ArrayBuffer or any ArrayBufferView
 * (typed arrays, DataView, Buffer); `null` for anything else.
 */
export function bytesOf(data: unknown): Buffer | null {
  if (ArrayBuffer.isView(data)) {
    return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && data instanceof SharedArrayBuffer)) {
    return Buffer.from(data);
  }
  return null;
}

/**
 * WebIDL USVString conversion for a `send()` argument that is not binary:
 * `String(value)`; lone surrogates become U+FFFD when encoded as UTF-8
 * (Buffer's encoder does exactly that).
 */
export function toUsvString(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

/**
 * A received binary message in the form `binaryType` asks for:
 * - `'blob'`: a Blob (its constructor copies the bytes);
 * - `'arraybuffer'`: an ArrayBuffer holding exactly the message — the
 *   underlying one when the Buffer spans it whole, else a copy;
 * - `'nodebuffer'`: the Buffer itself, zero-copy (it may share memory with
 *   other data received in the same read).
 */
export function binaryMessage(data: Buffer, binaryType: BinaryType): Blob | ArrayBuffer | Buffer {
  switch (binaryType) {
    case 'nodebuffer':
      return data;
    case 'arraybuffer':
      return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer
        ? data.buffer
        : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    default:
      return new Blob([data]);
  }
}
