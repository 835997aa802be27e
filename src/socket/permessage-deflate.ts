/**
 * The permessage-deflate codec (RFC 7692 §7.2) for one connection, on
 * node:zlib raw deflate streams. The negotiation is in
 * src/handshake/permessage-deflate.ts; the connection consults this object
 * for every message whose first frame has RSV1 set, and for every message it
 * decides to compress.
 *
 * Invariants:
 * - Each direction owns one zlib stream, created on first use (an idle
 *   connection costs no zlib memory) and kept for the connection's life:
 *   with context takeover it carries the LZ77 window from message to message;
 *   without, it is `reset()` after each message — never re-created. The one
 *   exception: a peer's DEFLATE stream that ends with a BFINAL block
 *   (§7.2.3.4) retires the inflater, and the next one starts from a copy of
 *   the window ({@link DeflateWindow}), because §7.2.2 keeps the window across
 *   messages whatever blocks they used.
 * - At most one job per direction is in flight (the connection keeps message
 *   order by waiting), and every job goes through the process-wide
 *   {@link zlibLimiter}.
 * - Decompression stops as soon as the inflated size passes `maxPayload`
 *   (1009), so a small "zip bomb" costs at most `maxPayload` bytes and the
 *   time to inflate them, never more. Invalid deflate data fails with 1007;
 *   text is validated as it is inflated.
 * - `close()` releases both zlib streams; callbacks after it are dropped.
 */
import { constants as zlibConstants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';
import { CloseCode } from '../frame/close-code.js';
import { ProtocolError } from '../frame/errors.js';
import { Utf8Validator } from '../frame/utf8.js';
import { DeflateWindow } from './deflate-window.js';
import type { DeflateAgreement, PerMessageDeflateOptions } from '../handshake/permessage-deflate.js';
import { zlibLimiter } from './zlib-limiter.js';

/** RFC 7692 §7.2.1: a sync flush ends with an empty stored block, 00 00 ff ff. */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const EMPTY = Buffer.alloc(0);
const EMPTY_MESSAGE = Buffer.from([0x00]);

/** Default {@link PerMessageDeflateOptions.threshold}: 1 KiB. */
export const DEFAULT_DEFLATE_THRESHOLD = 1024;

/** Everything the codec needs: what was agreed, and local tuning. */
export interface NegotiatedDeflate {
  readonly agreement: DeflateAgreement;
  readonly options: PerMessageDeflateOptions;
}

type DecompressCallback = (error: ProtocolError | null, message: Buffer | null) => void;
type CompressCallback = (error: Error | null, payload: Buffer) => void;

export class PerMessageDeflate {
  /** Messages below this many bytes are sent uncompressed. */
  readonly threshold: number;
  private readonly ownWindowBits: number;
  private readonly ownNoContextTakeover: boolean;
  private readonly peerWindowBits: number;
  private readonly peerNoContextTakeover: boolean;
  private readonly level: number;
  private readonly memLevel: number;

  private inflater: InflateRaw | null = null;
  /** Bytes handed to the current inflater; more than it consumed means its stream ended (BFINAL). */
  private inflaterInput = 0;
  /** The current message ended its DEFLATE stream early: ignore the rest of its payload. */
  private streamEnded = false;
  /** Whether the piece being inflated ends its message. */
  private pieceIsLast = false;
  /** The piece being inflated, and whether it starts its message — kept in case it must be replayed (settlePiece). */
  private piece: Buffer = EMPTY;
  private pieceIsFirst = false;
  /** The inflater's consumed-byte count before the piece: unchanged after it means the stream had already ended. */
  private consumedBeforePiece = 0;
  /** What the peer's messages inflated to lately; null without context takeover or before the first message. */
  private window: DeflateWindow | null = null;
  private deflater: DeflateRaw | null = null;
  private closed = false;

  // The message being inflated.
  private inflated: Buffer[] = [];
  private inflatedLength = 0;
  private maxPayload = 0;
  private validator: Utf8Validator | null = null;
  private inflateFailure: ProtocolError | null = null;
  private decompressCallback: DecompressCallback | null = null;
  /** Frees this direction's limiter slot; kept so failure and close() free it too. */
  private releaseInflateSlot: (() => void) | null = null;
  private releaseDeflateSlot: (() => void) | null = null;

  // The message being deflated.
  private deflated: Buffer[] = [];
  private deflatedLength = 0;

  constructor(role: 'client' | 'server', negotiated: NegotiatedDeflate) {
    const { agreement, options } = negotiated;
    const isServer = role === 'server';
    this.ownWindowBits = isServer ? agreement.serverMaxWindowBits : agreement.clientMaxWindowBits;
    this.ownNoContextTakeover = isServer ? agreement.serverNoContextTakeover : agreement.clientNoContextTakeover;
    // Inflating with a window at least as large as the peer's is always correct;
    // 9 is zlib's smallest for raw streams.
    this.peerWindowBits = Math.max(9, isServer ? agreement.clientMaxWindowBits : agreement.serverMaxWindowBits);
    this.peerNoContextTakeover = isServer ? agreement.clientNoContextTakeover : agreement.serverNoContextTakeover;
    this.threshold = options.threshold ?? DEFAULT_DEFLATE_THRESHOLD;
    this.level = options.level ?? 1;
    this.memLevel = options.memLevel ?? 8;
  }

  // ---- receiving ------------------------------------------------------------

  /**
   * Inflate one piece of a compressed message as it arrives (RFC 7692 §7.2.2).
   * `callback` gets the whole message after the last piece, null after the
   * others, or the ProtocolError that must fail the connection (1007 invalid
   * data or text, 1009 too big). Always called asynchronously. Call again
   * only after the callback.
   */
  decompress(piece: Buffer, isFirst: boolean, isLast: boolean, isText: boolean, maxPayload: number, callback: DecompressCallback): void {
    if (isFirst) {
      this.inflated = [];
      this.inflatedLength = 0;
      this.maxPayload = maxPayload;
      this.validator = isText ? (this.validator ?? new Utf8Validator()) : null;
      this.validator?.reset();
    }
    zlibLimiter.add((done) => {
      if (this.closed) {
        done();
        return;
      }
      if (this.streamEnded) {
        // The message's DEFLATE stream already ended with a BFINAL block
        // (RFC 7692 §7.2.3.4): the rest of its payload is ignored, as zlib
        // would. Called back asynchronously all the same: the caller is in the
        // middle of parsing and must not be re-entered.
        done();
        process.nextTick(() => {
          if (!this.closed) this.finishPiece(isLast, callback);
        });
        return;
      }
      this.decompressCallback = callback;
      this.piece = piece;
      this.pieceIsFirst = isFirst;
      this.pieceIsLast = isLast;
      this.releaseInflateSlot = done;
      this.inflatePiece();
    });
  }

  private inflatePiece(): void {
    const inflater = this.getInflater();
    const piece = this.piece;
    const isLast = this.pieceIsLast;
    this.consumedBeforePiece = inflater.bytesWritten;
    inflater.write(piece);
    this.inflaterInput += piece.length;
    // §7.2.2: append 00 00 ff ff to the end of the message's payload before inflating it.
    if (isLast) {
      inflater.write(TRAILER);
      this.inflaterInput += TRAILER.length;
    }
    inflater.flush(zlibConstants.Z_SYNC_FLUSH, (error?: Error | null) => this.settlePiece(inflater, error ?? null));
  }

  /**
   * The piece being inflated is done — however Node says so: the flush
   * callback (possibly with an error), the stream's 'error' event (which can
   * come instead of the callback), or its 'close' (a stream destroyed while
   * a write was pending may never call back). The first of them settles the
   * piece; the others find nothing pending.
   *
   * Input left unconsumed means the DEFLATE stream ended with a BFINAL block
   * (RFC 7692 §7.2.3.4). Node then ends the zlib stream object and closes it
   * by itself, which shows up here as ERR_STREAM_DESTROYED or a 'close': that
   * is the stream's end, not an error; the rest of the message is ignored, as
   * zlib would. Anything else fails the message as invalid data (1007).
   */
  private settlePiece(inflater: InflateRaw, error: Error | null): void {
    const callback = this.decompressCallback;
    if (callback === null || inflater !== this.inflater) return;
    const ended = inflater.bytesWritten < this.inflaterInput;
    const benign = error === null ? ended || !inflater.destroyed : ended && (error as { code?: string }).code === 'ERR_STREAM_DESTROYED';
    if (benign && ended && this.pieceIsFirst && this.consumedBeforePiece > 0 && inflater.bytesWritten === this.consumedBeforePiece) {
      // The previous message's final block ended exactly at its appended
      // trailer, so nobody could tell the stream was over until this message
      // found it closed. This message starts the new stream: replay it there.
      this.retireInflater();
      this.inflatePiece();
      return;
    }
    this.releaseInflateSlot?.();
    this.releaseInflateSlot = null;
    if (!benign) {
      this.reportInflateFailure(invalidData(error));
      return;
    }
    this.decompressCallback = null;
    this.piece = EMPTY;
    if (ended) this.streamEnded = true;
    this.finishPiece(this.pieceIsLast, callback);
  }

  /** A piece is inflated: report progress, or the whole message after the last piece. */
  private finishPiece(isLast: boolean, callback: DecompressCallback): void {
    if (!isLast) {
      callback(null, null);
      return;
    }
    if (this.validator !== null && !this.validator.finish()) {
      callback(invalidUtf8(), null);
      return;
    }
    this.recordWindow();
    const message = this.inflated.length === 0 ? EMPTY : this.inflated.length === 1 ? this.inflated[0]! : Buffer.concat(this.inflated, this.inflatedLength);
    this.inflated = [];
    this.inflatedLength = 0;
    if (this.streamEnded) {
      // The next message starts a new DEFLATE stream, primed with the window (getInflater).
      this.retireInflater();
    } else if (this.peerNoContextTakeover) {
      this.inflater?.reset();
    }
    callback(null, message);
  }

  private getInflater(): InflateRaw {
    if (this.inflater !== null) return this.inflater;
    const dictionary = this.window !== null && this.window.length > 0 ? this.window.contents() : undefined;
    const inflater = createInflateRaw({ windowBits: this.peerWindowBits, ...(dictionary === undefined ? {} : { dictionary }) });
    inflater.on('data', (chunk: Buffer) => this.onInflated(chunk));
    inflater.on('error', (error: Error) => this.settlePiece(inflater, error));
    inflater.on('close', () => {
      if (this.decompressCallback !== null) {
        this.settlePiece(inflater, null);
      } else if (this.inflater === inflater) {
        // Closed by Node after its stream ended, between pieces: never write to it again.
        this.inflater = null;
        this.inflaterInput = 0;
      }
    });
    this.inflater = inflater;
    return inflater;
  }

  private onInflated(chunk: Buffer): void {
    if (this.decompressCallback === null) return;
    this.inflatedLength += chunk.length;
    if (this.inflatedLength > this.maxPayload) {
      // Stop at once: the rest of a bomb is never inflated, let alone kept.
      this.reportInflateFailure(new ProtocolError(
        'WS_ERR_MESSAGE_TOO_BIG', CloseCode.MessageTooBig,
        `Decompressed message exceeds maxPayload (${this.maxPayload})`,
      ));
      return;
    }
    if (this.validator !== null && !this.validator.push(chunk, 0, chunk.length)) {
      this.reportInflateFailure(invalidUtf8());
      return;
    }
    this.inflated.push(chunk);
  }

  /** Keep the tail of the message just inflated as the window (only the last 2^windowBits bytes can matter). */
  private recordWindow(): void {
    if (this.peerNoContextTakeover || this.inflatedLength === 0) return;
    const window = (this.window ??= new DeflateWindow(1 << this.peerWindowBits));
    let first = this.inflated.length - 1;
    for (let bytes = this.inflated[first]!.length; first > 0 && bytes < window.capacity; ) bytes += this.inflated[--first]!.length;
    for (let i = first; i < this.inflated.length; i++) window.append(this.inflated[i]!);
  }

  /** Report the failure once, drop the partial message, and retire the inflater. */
  private reportInflateFailure(error: ProtocolError): void {
    const callback = this.decompressCallback;
    this.decompressCallback = null;
    this.inflated = [];
    this.inflatedLength = 0;
    // The pending flush may never call back once the stream is closed.
    this.releaseInflateSlot?.();
    this.releaseInflateSlot = null;
    this.retireInflater();
    this.inflateFailure = error;
    callback?.(error, null);
  }

  /** Close the inflater; the next compressed message gets a new one. */
  private retireInflater(): void {
    const inflater = this.inflater;
    this.inflater = null;
    this.inflaterInput = 0;
    this.streamEnded = false;
    if (inflater === null) return;
    inflater.removeAllListeners('data');
    inflater.removeAllListeners('error');
    inflater.removeAllListeners('close');
    inflater.on('error', () => {}); // a later error of a discarded stream is irrelevant
    inflater.close();
  }

  /** The error that stopped decompression, if any. */
  get failure(): ProtocolError | null {
    return this.inflateFailure;
  }

  // ---- sending --------------------------------------------------------------

  /**
   * Compress one whole message (RFC 7692 §7.2.1): deflate with a sync flush
   * and drop the trailing 00 00 ff ff. `data` must not change until the
   * callback. Call again only after the callback.
   */
  compress(data: Buffer, callback: CompressCallback): void {
    zlibLimiter.add((done) => {
      if (this.closed) {
        done();
        return;
      }
      const deflater = this.getDeflater();
      this.deflated = [];
      this.deflatedLength = 0;
      this.releaseDeflateSlot = done;
      if (data.length > 0) deflater.write(data);
      deflater.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        done();
        this.releaseDeflateSlot = null;
        if (this.closed) return;
        let payload = this.deflatedLength === 0 ? EMPTY : this.deflated.length === 1 ? this.deflated[0]! : Buffer.concat(this.deflated, this.deflatedLength);
        this.deflated = [];
        this.deflatedLength = 0;
        if (payload.length >= 4 && payload.subarray(payload.length - 4).equals(TRAILER)) payload = payload.subarray(0, payload.length - 4);
        // zlib emits nothing for a sync flush with no new input once the stream
        // has started; an empty message is then the single byte 00 (§7.2.3.6),
        // which the receiver's appended 00 00 ff ff turns into an empty stored block.
        if (payload.length === 0) payload = EMPTY_MESSAGE;
        if (this.ownNoContextTakeover) deflater.reset();
        callback(null, payload);
      });
    });
  }

  private getDeflater(): DeflateRaw {
    if (this.deflater !== null) return this.deflater;
    const deflater = createDeflateRaw({ windowBits: this.ownWindowBits, level: this.level, memLevel: this.memLevel });
    deflater.on('data', (chunk: Buffer) => {
      this.deflated.push(chunk);
      this.deflatedLength += chunk.length;
    });
    // Compressing our own bytes cannot fail short of memory exhaustion; keep the process alive regardless.
    deflater.on('error', () => {});
    this.deflater = deflater;
    return deflater;
  }

  // ---- life -----------------------------------------------------------------

  /** Release both zlib streams. Pending callbacks are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.decompressCallback = null;
    this.releaseInflateSlot?.();
    this.releaseDeflateSlot?.();
    this.releaseInflateSlot = null;
    this.releaseDeflateSlot = null;
    for (const stream of [this.inflater, this.deflater]) {
      if (stream === null) continue;
      stream.removeAllListeners('data');
      stream.on('error', () => {});
      stream.close();
    }
    this.inflater = null;
    this.deflater = null;
  }
}

function invalidData(cause: Error | null): ProtocolError {
  return new ProtocolError('WS_ERR_INVALID_COMPRESSED_DATA', CloseCode.InvalidPayloadData, `Invalid compressed data${cause === null ? '' : `: ${cause.message}`}`);
}

function invalidUtf8(): ProtocolError {
  return new ProtocolError('WS_ERR_INVALID_UTF8', CloseCode.InvalidPayloadData, 'Text message is not valid UTF-8');
}
