/**
 * Gathers the payload of one data message that does not sit whole in a
 * single pushed chunk: a frame that spans reads, or a fragmented message.
 *
 * Memory never runs far ahead of the bytes received: nothing is reserved
 * from a frame's declared length alone (a 14-byte header announcing 64 MiB
 * costs nothing until its payload arrives), except a small single frame,
 * which gets its exact buffer up front; a reservation is never more than twice
 * what has arrived. No object is made per fragment. Three strategies, chosen
 * by the message's first frame:
 * - exact: a single frame of at most {@link EXACT_LIMIT} bytes is unmasked
 *   straight into a buffer of exactly its size.
 * - pieces: a larger single frame, or a fragmented message whose first
 *   fragment is large, keeps each arriving piece as a view into its chunk
 *   (unmasked in place — the parser owns its chunks) and concatenates them
 *   once at the end. At most {@link MAX_PIECES} views are held; past that
 *   they are compacted into a growing buffer. A single frame switches to an
 *   exact buffer once half of it has arrived: the rest is then unmasked
 *   straight into place instead of being copied twice (a 64 KiB frame read
 *   in 64 KiB chunks switches with its first piece).
 * - growing: a fragmented message of small fragments is unmasked straight into
 *   a buffer that doubles as bytes arrive (never beyond twice what arrived,
 *   nor beyond the message limit), so a message of a million tiny fragments
 *   costs amortised O(1) work and no object per fragment.
 */
import { maskCopy, maskInPlace } from './mask.js';
import { Utf8Validator } from './utf8.js';
import { view } from './view.js';

/** Views held before compacting into a growing buffer (bounds objects per message). */
export const MAX_PIECES = 64;

/** Largest single frame that gets its exact buffer before its payload arrives. */
export const EXACT_LIMIT = 16 * 1024;

/** First fragments at least this large use the pieces strategy. */
const PIECES_THRESHOLD = 4096;

/** Smallest capacity of a growing buffer. */
const MIN_GROWING_CAPACITY = 1024;

export class MessageAssembler {
  private buffer: Buffer | null = null; // exact or growing strategy
  private fill = 0;
  private pieces: Buffer[] | null = null; // pieces strategy
  private piecesLength = 0;
  /** For a single large frame gathered in pieces: its length, to switch to an exact buffer at half. */
  private singleFrameLength = 0;
  private limit = 0;
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
   * A frame of `frameLength` payload bytes starts. `finalFrame` is true when it
   * ends the message; `limit` (the message size limit) caps every capacity.
   * The first frame of a message picks the strategy.
   */
  startFrame(frameLength: number, finalFrame: boolean, limit: number): void {
    if (this.active) return;
    this.limit = limit;
    if (finalFrame && frameLength <= EXACT_LIMIT) {
      this.buffer = Buffer.allocUnsafe(frameLength);
      this.fill = 0;
    } else if (finalFrame || frameLength >= PIECES_THRESHOLD) {
      this.pieces = [];
      this.piecesLength = 0;
      this.singleFrameLength = finalFrame ? frameLength : 0;
    } else {
      this.buffer = Buffer.allocUnsafe(Math.min(limit, MIN_GROWING_CAPACITY));
      this.fill = 0;
    }
  }

  /**
   * Append `chunk[start, end)`, unmasking it with `key` from `phase` when
   * `masked`. For text (`isText`), the new bytes are validated as they arrive;
   * returns false as soon as they cannot be valid UTF-8.
   */
  append(chunk: Buffer, start: number, end: number, masked: boolean, key: number, phase: number, isText: boolean): boolean {
    const n = end - start;
    if (this.pieces !== null && this.singleFrameLength > 0 && (this.piecesLength + n) * 2 >= this.singleFrameLength) {
      this.compact(this.singleFrameLength);
    } else if (this.pieces !== null && this.pieces.length === MAX_PIECES) {
      this.compact(Math.min(this.limit, Math.max(this.piecesLength * 2, this.piecesLength + n)));
    }
    if (this.pieces !== null) {
      // The parser owns the chunk: unmask in place and keep a view.
      if (masked) maskInPlace(chunk, start, end, key, phase);
      this.pieces.push(view(chunk, start, end));
      this.piecesLength += n;
      return !isText || this.utf8.push(chunk, start, end);
    }
    this.ensureCapacity(n);
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
    this.singleFrameLength = 0;
  }

  /** Move the pieces into one buffer of `capacity` bytes (at least twice what they hold, or the frame's exact length). */
  private compact(capacity: number): void {
    const pieces = this.pieces!;
    const buffer = Buffer.allocUnsafe(capacity);
    let at = 0;
    for (const piece of pieces) {
      buffer.set(piece, at);
      at += piece.length;
    }
    this.pieces = null;
    this.singleFrameLength = 0;
    this.buffer = buffer;
    this.fill = at;
  }

  /** Room for `more` bytes: growing buffers double (bounded by the limit); an exact buffer has it already. */
  private ensureCapacity(more: number): void {
    const current = this.buffer!;
    const needed = this.fill + more;
    if (current.length >= needed) return;
    const capacity = Math.min(this.limit, Math.max(needed, current.length * 2));
    const grown = Buffer.allocUnsafe(capacity);
    current.copy(grown, 0, 0, this.fill);
    this.buffer = grown;
  }
}
