/**
 * The outgoing half of one connection: puts encoded frames on the socket in
 * order, batches the writes of one tick, and keeps `bufferedAmount`.
 *
 * - Batching: the first write of a tick corks the socket and a nextTick
 *   uncorks it, so a burst of small sends becomes one `writev` system call
 *   instead of one `write` each. Latency cost: the rest of the current tick.
 * - `bufferedAmount` counts application payload bytes (not framing) accepted
 *   by `send()` and not yet handed to the kernel, as the WHATWG spec defines
 *   it. Each message's last chunk is written with a callback that Node calls
 *   once the kernel has the bytes; callbacks arrive in write order, so a FIFO
 *   of message sizes is enough — no closure per message.
 * - Pongs are coalesced under backpressure (RFC 6455 §5.5.3 allows answering
 *   only the most recent ping): while the socket wants a drain, a new pong
 *   replaces the one still waiting, so a ping flood from a peer that does not
 *   read cannot grow memory without bound.
 * - The close frame is the last frame (RFC 6455 §5.5.1, §7.1.2): a pong still
 *   held for the drain when it is written is dropped, not sent after it.
 */
import type { Duplex } from 'node:stream';

export class FrameWriter {
  /** Application bytes accepted and not yet handed to the kernel. */
  bufferedAmount = 0;

  private sizes: number[] = []; // payload sizes of messages awaiting their write callback
  private sizesHead = 0;
  private corked = false;
  private ended = false;
  /** The close frame was written: no pong may follow it. */
  private closeWritten = false;
  private pendingPong: Buffer[] | null = null;
  private drainListening = false;
  /** The write callback of every message's last chunk; bound on first use (idle connections never need it). */
  private afterMessageWrite: (() => void) | null = null;
  private onDrain: (() => void) | null = null;

  private messageWritten(): void {
    const size = this.sizes[this.sizesHead]!;
    this.sizes[this.sizesHead++] = 0;
    if (this.sizesHead === this.sizes.length) {
      this.sizes = []; // a fresh array also drops the grown backing store of an idle connection
      this.sizesHead = 0;
    } else if (this.sizesHead > 1024 && this.sizesHead * 2 > this.sizes.length) {
      this.sizes.splice(0, this.sizesHead);
      this.sizesHead = 0;
    }
    const before = this.bufferedAmount;
    this.bufferedAmount = before - size;
    if (before > this.lowThreshold && this.bufferedAmount <= this.lowThreshold) this.owner.bufferedAmountLow();
  }

  private drained(): void {
    this.drainListening = false;
    const pong = this.pendingPong;
    this.pendingPong = null;
    if (pong !== null && !this.ended && !this.closeWritten) this.writeChunks(pong);
  }

  /**
   * @param socket where frames go
   * @param lowThreshold `owner.bufferedAmountLow()` runs when bufferedAmount falls from above this to at most this
   * @param owner told (from a write callback) when the threshold is crossed downwards
   */
  constructor(
    private readonly socket: Duplex,
    public lowThreshold: number,
    private readonly owner: { bufferedAmountLow(): void },
  ) {}

  /** True once {@link end} was called: nothing more can be written. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Write the frames of one data message carrying `payloadBytes` application bytes. */
  writeMessage(chunks: readonly Buffer[], payloadBytes: number): void {
    if (this.ended) return;
    this.cork();
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) this.socket.write(chunks[i]!);
    this.sizes.push(payloadBytes);
    this.bufferedAmount += payloadBytes;
    this.socket.write(chunks[last]!, this.afterMessageWrite ??= () => this.messageWritten());
  }

  /** Write a ping in order with everything else. */
  writePing(chunks: readonly Buffer[]): void {
    if (this.ended) return;
    this.writeChunks(chunks);
  }

  /** Write the close frame, in order with everything before it; a pong still held back is dropped. */
  writeClose(chunks: readonly Buffer[]): void {
    if (this.ended) return;
    this.closeWritten = true;
    this.pendingPong = null;
    this.writeChunks(chunks);
  }

  /** Write a pong, or hold it (replacing an older one) while the socket is backed up. */
  writePong(chunks: readonly Buffer[]): void {
    if (this.ended || this.closeWritten) return;
    if (this.socket.writableNeedDrain) {
      this.pendingPong = [...chunks];
      if (!this.drainListening) {
        this.drainListening = true;
        this.socket.once('drain', this.onDrain ??= () => this.drained());
      }
      return;
    }
    this.writeChunks(chunks);
  }

  /** Flush what is queued and half-close the socket (send FIN). Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.pendingPong = null;
    this.socket.end();
  }

  private writeChunks(chunks: readonly Buffer[]): void {
    this.cork();
    for (const chunk of chunks) this.socket.write(chunk);
  }

  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(uncorkSocket, this);
  }

  /** @internal called on the next tick after the first write of a tick. */
  uncork(): void {
    this.corked = false;
    this.socket.uncork();
  }
}

function uncorkSocket(writer: FrameWriter): void {
  writer.uncork();
}
