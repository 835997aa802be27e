/**
 * The last bytes an inflater produced, kept so a new DEFLATE stream can start
 * with the LZ77 window the old one ended with.
 *
 * Why this exists: RFC 7692 §7.2.2 says that with context takeover a message
 * is decompressed "using the LZ77 sliding window used to process the last
 * compressed message", and §7.2.3.4 lets a sender end a message with a BFINAL
 * block. zlib forgets its window when a stream ends and Node offers no way to
 * read it back, so the receiver keeps its own copy of the window and primes
 * the next stream with it as a preset dictionary.
 *
 * The copy grows with what was actually inflated (a connection that received
 * a few small messages holds a few small buffers' worth), and once full it
 * is a ring, so appending never moves old bytes.
 */
export class DeflateWindow {
  private buffer: Buffer = Buffer.alloc(0);
  /** Valid bytes in `buffer`, at most `capacity`. */
  private filled = 0;
  /** Where the next byte goes; wraps once the buffer is full. */
  private next = 0;

  /** @param capacity the window size, 2^windowBits bytes (RFC 1951 §2: up to 32 KiB). */
  constructor(readonly capacity: number) {}

  /** Record inflated bytes. */
  append(chunk: Buffer): void {
    const capacity = this.capacity;
    if (chunk.length >= capacity) {
      this.grow(capacity);
      chunk.copy(this.buffer, 0, chunk.length - capacity);
      this.filled = capacity;
      this.next = 0;
      return;
    }
    // Until the window first fills, `next === filled` and the buffer only grows.
    if (this.filled < capacity) this.grow(Math.min(capacity, this.filled + chunk.length));
    const first = Math.min(chunk.length, capacity - this.next);
    chunk.copy(this.buffer, this.next, 0, first);
    if (first < chunk.length) chunk.copy(this.buffer, 0, first);
    this.next = (this.next + chunk.length) % capacity;
    this.filled = Math.min(capacity, this.filled + chunk.length);
  }

  /** The window, oldest byte first (a copy). */
  contents(): Buffer {
    if (this.filled < this.capacity) return Buffer.from(this.buffer.subarray(0, this.filled));
    return Buffer.concat([this.buffer.subarray(this.next), this.buffer.subarray(0, this.next)], this.capacity);
  }

  get length(): number {
    return this.filled;
  }

  /** Make room for `needed` bytes, at least doubling so small messages do not reallocate each time. */
  private grow(needed: number): void {
    if (this.buffer.length >= needed) return;
    const size = Math.min(this.capacity, Math.max(needed, this.buffer.length * 2, 256));
    const bigger = Buffer.allocUnsafe(size);
    this.buffer.copy(bigger, 0, 0, this.filled);
    this.buffer = bigger;
  }
}
