/**
 * Gathers the payload of one data message that does not sit whole in a
 * single pushed chunk: a frame that spans reads, or a fragmented message.
 *
 * Three strategies, chosen so that every byte is copied at most once more
 * than necessary and memory stays proportional to the message:
 * - exact: a single frame (FIN on the first frame) of known length is unmasked
 *   straight into a buffer of exactly that size. One copy, no waste.
 * - pieces: a fragmented message whose first fragment is large keeps each
 *   arriving piece as a view into its chunk (unmasked in place) and
 *   concatenates them once at the end, as `ws` does. At most
 *   {@link MAX_PIECES} views are held; past that the pieces are compacted
 *   into a growing buffer.
 * - growing: a fragmented message of small fragments is unmasked straight into
 *   a buffer that doubles when full (bounded by the message limit), so a
 *   message of a million tiny fragments costs amortised O(1) work and no
 *   object per fragment.
 */
import { maskCopy, maskInPlace } from './mask.js';
import { Utf8Validator } from './utf8.js';
import { view } from './view.js';

/** Views held before compacting into a growing buffer (bounds objects per message). */
export const MAX_PIECES = 32;

/** First fragments at least this large use the pieces strategy. */
const PIECES_THRESHOLD = 4096;

/** Initial capacity of a growing buffer. */
const MIN_GROWING_CAPACITY = 1024;

export class MessageAssembler {
  private buffer: Buffer | null = null; // exact or growing strategy
  private fill = 0;
  private pieces: Buffer[] | null = null; // pieces strategy
  private piecesLength = 0;
  private growing = false;
  private readonly utf8 = new Utf8Validator();

  /** Bytes gathered so far. */
  get length(): number {
    return this.pieces === null ? this.fill : this.piecesLength;
  }

  /** Whether a message is being gathered. */
  get active(): boolean {
    return this.buffer !== null || this.pieces !== null;
  }

  /**
   * Prepare for a frame of `frameLength` payload bytes. `finalFrame` is true
   * when this frame ends the message (with nothing gathered before it, the
   * message's size is then known exactly); `limit` caps any capacity guess.
   */
  startFrame(frameLength: number, finalFrame: boolean, limit: number): void {
    if (!this.active) {
      if (finalFrame) {
        this.buffer = Buffer.allocUnsafe(frameLength);
        this.fill = 0;
      } else if (frameLength >= PIECES_THRESHOLD) {
        this.pieces = [];
        this.piecesLength = 0;
      } else {
        this.growing = true;
        this.buffer = Buffer.allocUnsafe(Math.min(limit, Math.max(MIN_GROWING_CAPACITY, frameLength)));
        this.fill = 0;
      }
      return;
    }
    if (this.pieces !== null) {
      if (this.pieces.length < MAX_PIECES) return;
      this.compact(frameLength, limit);
      return;
    }
    this.ensureCapacity(frameLength, limit);
  }

  /**
   * Append `chunk[start, end)`, unmasking it with `key` from `phase` when
   * `masked`. For text (`isText`), the new bytes are validated as they arrive;
   * returns false as soon as they cannot be valid UTF-8.
   */
  append(chunk: Buffer, start: number, end: number, masked: boolean, key: number, phase: number, isText: boolean): boolean {
    const n = end - start;
    if (this.pieces !== null) {
      // The parser owns the chunk: unmask in place and keep a view.
      if (masked) maskInPlace(chunk, start, end, key, phase);
      this.pieces.push(view(chunk, start, end));
      this.piecesLength += n;
      return !isText || this.utf8.push(chunk, start, end);
    }
    const buffer = this.buffer!;
    const at = this.fill;
    if (masked) maskCopy(chunk, start, end, buffer, at, key, phase);
    else chunk.copy(buffer, at, start, end);
    this.fill = at + n;
    return !isText || this.utf8.push(buffer, at, at + n);
  }

  /**
   * The whole message; the assembler is ready for the next one. Returns null
   * when a text message ends inside a code point (RFC 6455 §8.1).
   */
  finish(isText: boolean): Buffer | null {
    if (isText && !this.utf8.finish()) {
      this.reset();
      return null;
    }
    let message: Buffer;
    if (this.pieces !== null) {
      message = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces, this.piecesLength);
    } else {
      message = this.buffer === null ? Buffer.alloc(0) : view(this.buffer, 0, this.fill);
    }
    this.reset();
    return message;
  }

  /** Drop whatever was gathered. */
  reset(): void {
    this.utf8.reset();
    this.buffer = null;
    this.fill = 0;
    this.pieces = null;
    this.piecesLength = 0;
    this.growing = false;
  }

  /** Move the pieces into a growing buffer with room for `more` bytes. */
  private compact(more: number, limit: number): void {
    const pieces = this.pieces!;
    const capacity = Math.min(limit, Math.max(this.piecesLength * 2, this.piecesLength + more));
    const buffer = Buffer.allocUnsafe(capacity);
    let at = 0;
    for (const piece of pieces) {
      buffer.set(piece, at);
      at += piece.length;
    }
    this.pieces = null;
    this.buffer = buffer;
    this.fill = at;
    this.growing = true;
  }

  private ensureCapacity(more: number, limit: number): void {
    const current = this.buffer!;
    const needed = this.fill + more;
    if (current.length >= needed) return;
    // Exact buffers never grow (their one frame was sized up front); growing
    // ones double, so n appends cost O(n) copying in total.
    const capacity = this.growing ? Math.min(limit, Math.max(needed, current.length * 2)) : needed;
    const grown = Buffer.allocUnsafe(capacity);
    current.copy(grown, 0, 0, this.fill);
    this.buffer = grown;
  }
}
