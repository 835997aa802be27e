/**
 * A lenient, incremental frame reader for observing a peer.
 *
 * The library's FrameParser enforces RFC 6455 and stops at the first
 * violation; an observer must instead report exactly what came over the wire —
 * RSV bits, reserved opcodes, masked or unmasked, fragmented control frames —
 * so that the session can judge it, name the rule broken and log the frame.
 * This reader therefore only splits the byte stream into frames (RFC 6455
 * §5.2) and unmasks payloads; it refuses only what it cannot frame at all
 * (a length with the most significant bit set, a frame bigger than its limit).
 */
import { maskCopy } from '../../frame/mask.js';

/** One frame as it was received, payload unmasked. */
export interface RawFrame {
  readonly fin: boolean;
  /** RSV1–RSV3 as a 3-bit number (RSV1 = 4). */
  readonly rsv: number;
  readonly opcode: number;
  readonly masked: boolean;
  /** The payload length field used more bytes than needed (RFC 6455 §5.2: the minimal encoding MUST be used). */
  readonly nonMinimalLength: boolean;
  readonly payload: Buffer;
}

/** Callbacks of {@link FrameReader}. */
export interface FrameReaderHandler {
  onFrame(frame: RawFrame): void;
  /** The stream cannot be framed any further; the reader stops. */
  onError(message: string): void;
}

/**
 * Splits a byte stream into frames. `push` chunks in any sizes; frames are
 * delivered in order from inside `push`.
 */
export class FrameReader {
  private header = Buffer.alloc(14);
  private headerFill = 0;
  private headerNeed = 2;
  private current: { fin: boolean; rsv: number; opcode: number; masked: boolean; key: number; nonMinimal: boolean } | null = null;
  private remaining = 0;
  private readonly pieces: Buffer[] = [];
  private stopped = false;

  /** @param maxFrameBytes largest payload accepted; a bigger declared length stops the reader */
  constructor(private readonly maxFrameBytes: number, private readonly handler: FrameReaderHandler) {}

  /** Feed the next bytes. */
  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.stopped) {
      if (this.current === null) {
        offset = this.readHeader(chunk, offset);
      } else {
        const take = Math.min(this.remaining, chunk.length - offset);
        // Copy: the caller's chunk may be reused, and the payload outlives it.
        this.pieces.push(Buffer.from(chunk.subarray(offset, offset + take)));
        offset += take;
        this.remaining -= take;
        if (this.remaining === 0) this.finishFrame();
      }
    }
  }

  private readHeader(chunk: Buffer, offset: number): number {
    while (this.headerFill < this.headerNeed && offset < chunk.length) {
      this.header[this.headerFill++] = chunk[offset++]!;
      if (this.headerFill === 2) {
        const lengthField = this.header[1]! & 0x7f;
        const masked = (this.header[1]! & 0x80) !== 0;
        this.headerNeed = 2 + (lengthField === 126 ? 2 : lengthField === 127 ? 8 : 0) + (masked ? 4 : 0);
      }
    }
    if (this.headerFill < this.headerNeed) return offset;

    const b0 = this.header[0]!;
    const b1 = this.header[1]!;
    const masked = (b1 & 0x80) !== 0;
    let length = b1 & 0x7f;
    let at = 2;
    let nonMinimal = false;
    if (length === 126) {
      length = this.header.readUInt16BE(2);
      nonMinimal = length < 126;
      at = 4;
    } else if (length === 127) {
      const high = this.header.readUInt32BE(2);
      const low = this.header.readUInt32BE(6);
      at = 10;
      if (high >= 0x80000000) {
        this.stop('64-bit payload length with the most significant bit set (RFC 6455 §5.2)');
        return offset;
      }
      length = high * 0x100000000 + low;
      nonMinimal = length < 65536;
    }
    if (length > this.maxFrameBytes) {
      this.stop(`frame payload of ${length} bytes exceeds the tester's limit of ${this.maxFrameBytes}`);
      return offset;
    }
    const key = masked ? this.header.readInt32LE(at) : 0;
    this.current = { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, key, nonMinimal };
    this.remaining = length;
    this.headerFill = 0;
    this.headerNeed = 2;
    if (length === 0) this.finishFrame();
    return offset;
  }

  private finishFrame(): void {
    const frame = this.current!;
    const payload = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces);
    this.pieces.length = 0;
    this.current = null;
    if (frame.masked && payload.length > 0) maskCopy(payload, 0, payload.length, payload, 0, frame.key);
    this.handler.onFrame({
      fin: frame.fin, rsv: frame.rsv, opcode: frame.opcode, masked: frame.masked, nonMinimalLength: frame.nonMinimal, payload,
    });
  }

  private stop(message: string): void {
    this.stopped = true;
    this.handler.onError(message);
  }
}
