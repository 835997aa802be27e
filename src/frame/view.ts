/**
 * Cheap Buffer views for the hot paths.
 *
 * `Buffer.prototype.subarray` normalises its arguments before constructing
 * the view; on paths that make one view per message the parser has already
 * checked the bounds, and constructing with Node's Buffer class proper
 * (`Buffer[Symbol.species]`, the FastBuffer `subarray` itself ends up in) is
 * measurably cheaper for small messages (npm run bench:parse, 16 B rows).
 */

type BufferConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer;

const FastBuffer = (Buffer as unknown as { [Symbol.species]: BufferConstructor })[Symbol.species];

/** A Buffer over `buffer[start, end)`, sharing its memory. The caller guarantees 0 <= start <= end <= length. */
export function view(buffer: Buffer, start: number, end: number): Buffer {
  return new FastBuffer(buffer.buffer, buffer.byteOffset + start, end - start);
}

/** A Buffer over `length` bytes of `arrayBuffer` from `byteOffset`. */
export function viewOf(arrayBuffer: ArrayBufferLike, byteOffset: number, length: number): Buffer {
  return new FastBuffer(arrayBuffer, byteOffset, length);
}
