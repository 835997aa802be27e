/**
 * The incremental frame parser and message assembler (RFC 6455 §5).
 *
 * Bytes in, events out: {@link FrameParser.push} takes chunks in any size —
 * one byte at a time or many frames at once — and calls a {@link FrameHandler}
 * with whole messages, control frames, or exactly one {@link ProtocolError}.
 * It does no I/O, keeps no clock and knows nothing of sockets.
 *
 * Invariants:
 * - Every header is fully validated, in the order RFC 6455 §5.2 lists the
 *   fields, before any of its payload is touched; the rules that need only the
 *   first two bytes are checked as soon as those two bytes arrive, and the size
 *   limit as soon as the length is known — never after buffering the payload.
 * - Copies: a payload that sits whole in one pushed chunk is delivered as a view
 *   into that chunk (unmasked in place). A payload that spans chunks, and every
 *   fragmented message, is unmasked straight into one message buffer: exactly
 *   one copy, no per-fragment objects, no final concatenation.
 * - Text is validated as it arrives, so invalid UTF-8 fails the connection in
 *   the read where it appears, not at the end of the message.
 * - After a close frame the parser ignores all further input (RFC 6455 §5.5.1:
 *   the peer sends nothing after its close frame); after an error it refuses
 *   all further input.
 *
 * Ownership: `push()` takes ownership of the chunk. The parser unmasks in
 * place and hands out views into it, so the caller must not reuse or modify
 * a chunk after pushing it (socket `data` chunks satisfy this).
 */
import { CloseCode, isValidReceivedCloseCode } from './close-code.js';
import { ProtocolError, protocolViolation } from './errors.js';
import { maskCopy, maskInPlace } from './mask.js';
import { isControlOpcode, isKnownOpcode, Opcode } from './opcode.js';
import { MessageAssembler } from './message-assembler.js';
import { isValidUtf8 } from './utf8.js';
import { view } from './view.js';
import { constants as bufferConstants } from 'node:buffer';

/** Default {@link FrameParserOptions.maxPayload}: 100 MiB, as `ws`. */
export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

/** Largest payload a Buffer can hold here; `maxPayload` is clamped to it. */
const MAX_BUFFER_LENGTH = bufferConstants.MAX_LENGTH;

/** Options for {@link FrameParser}. */
export interface FrameParserOptions {
  /**
   * Which side of the connection this parser serves. A `'server'` parser reads
   * client frames, which MUST be masked; a `'client'` parser reads server frames,
   * which MUST NOT be (RFC 6455 §5.1). Either violation fails with 1002.
   */
  readonly role: 'client' | 'server';
  /**
   * Largest message accepted, in bytes, counting every frame of a fragmented
   * message. Checked against each frame's declared length before its payload is
   * buffered; a larger message fails with 1009. Default 100 MiB
   * ({@link DEFAULT_MAX_PAYLOAD}); clamped to `buffer.constants.MAX_LENGTH`.
   */
  readonly maxPayload?: number;
  /**
   * Allow RSV1 on the first frame of a data message. Set this only when an
   * extension that defines RSV1 (permessage-deflate, RFC 7692 §6) was
   * negotiated; such messages are handed to {@link FrameHandler.onCompressedData}
   * instead of being assembled. Default false: RSV1 fails with 1002.
   */
  readonly allowRsv1?: boolean;
}

/**
 * What the parser reports. Calls happen synchronously inside
 * {@link FrameParser.push} (or {@link FrameParser.resume}), in wire order.
 * Handlers must not throw; an exception propagates out of `push()` and leaves
 * the parser in an unspecified state.
 */
export interface FrameHandler {
  /**
   * A complete data message. Text messages have been validated as UTF-8.
   * `data` may be a view into a pushed chunk.
   */
  onMessage(data: Buffer, isBinary: boolean): void;
  /** A ping frame (RFC 6455 §5.5.2); the payload is 0–125 bytes. */
  onPing(payload: Buffer): void;
  /** A pong frame (RFC 6455 §5.5.3); the payload is 0–125 bytes. */
  onPong(payload: Buffer): void;
  /**
   * A valid close frame (RFC 6455 §5.5.1). `code` is 1005 (No Status Received)
   * when the frame had no payload; `reason` is the decoded UTF-8 reason.
   * The parser ignores all input after this.
   */
  onClose(code: number, reason: string): void;
  /** The peer broke the protocol; the connection must be failed with `error.closeCode`. */
  onError(error: ProtocolError): void;
  /**
   * A piece of a compressed (RSV1) message's payload, unmasked, as it arrives.
   * Only called when {@link FrameParserOptions.allowRsv1} is set. `isLast` marks
   * the piece that ends the message (it may be empty). The receiver inflates and
   * validates; it may {@link FrameParser.pause} the parser to keep order.
   */
  onCompressedData?(data: Buffer, isBinary: boolean, isFirst: boolean, isLast: boolean): void;
}

// Parser states.
const READ_HEADER = 0;
const READ_PAYLOAD = 1;
const CLOSED = 2; // a close frame was received: ignore the rest
const FAILED = 3; // a protocol error was reported: refuse the rest

/** No message is open (stored in `messageOpcode`). */
const NO_MESSAGE = -1;

/** Longest frame header: 2 + 8 (64-bit length) + 4 (masking key). */
const MAX_HEADER_SIZE = 14;

/**
 * Incremental RFC 6455 frame parser with message assembly.
 *
 * ```ts
 * const parser = new FrameParser({ role: 'server' }, handler);
 * socket.on('data', (chunk) => parser.push(chunk));
 * ```
 */
export class FrameParser {
  readonly role: 'client' | 'server';
  readonly maxPayload: number;
  private readonly allowRsv1: boolean;
  private readonly handler: FrameHandler;

  private state = READ_HEADER;
  private error: ProtocolError | null = null;

  // A header split across chunks is gathered here.
  // Allocated only when a header actually splits (idle connections never need it).
  private headerBytes: Buffer | null = null;
  private headerFill = 0;

  // The frame being read.
  private fin = false;
  private opcode = 0;
  private masked = false;
  private maskKey = 0;
  private maskPhase = 0;
  private frameLength = 0;
  private frameRemaining = 0;

  // The data message being assembled.
  private messageOpcode = NO_MESSAGE;
  private messageCompressed = false;
  private messageLength = 0; // declared bytes of all its frames so far
  private messageFirstPiece = true; // for onCompressedData's isFirst
  private assembler: MessageAssembler | null = null; // created by the first message that needs it

  // A control frame whose payload spans chunks is gathered here.
  private controlBuffer: Buffer | null = null;
  private controlFill = 0;

  // Flow control: input that arrived while paused, oldest first.
  private paused = false;
  private running = false;
  private queue: Buffer[] | null = null; // created by the first pause

  constructor(options: FrameParserOptions, handler: FrameHandler) {
    this.role = options.role;
    const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    if (!(maxPayload >= 0)) throw new RangeError(`maxPayload must be a non-negative number, got ${maxPayload}`);
    this.maxPayload = Math.min(Math.floor(maxPayload), MAX_BUFFER_LENGTH);
    this.allowRsv1 = options.allowRsv1 ?? false;
    this.handler = handler;
  }

  /** The error that stopped the parser, if any. */
  get protocolError(): ProtocolError | null {
    return this.error;
  }

  /** True once a close frame has been received or an error reported: input is ignored. */
  get finished(): boolean {
    return this.state >= CLOSED;
  }

  /** True while {@link pause} is in effect. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes queued by {@link push} while paused, not yet parsed. */
  get queuedBytes(): number {
    let total = 0;
    for (const chunk of this.queue ?? []) total += chunk.length;
    return total;
  }

  /**
   * Feed the next chunk of the byte stream. Events for every complete frame
   * in it are delivered before this returns, unless the parser is paused, in
   * which case the chunk is queued until {@link resume}.
   */
  push(chunk: Buffer): void {
    if (this.state >= CLOSED || chunk.length === 0) return;
    if (this.paused || this.running) {
      (this.queue ??= []).push(chunk);
      return;
    }
    this.run(chunk);
  }

  /**
   * Stop delivering events after the current one. Safe to call from inside a
   * handler; the unparsed rest of the chunk is kept and later chunks queue up.
   */
  pause(): void {
    this.paused = true;
  }

  /** Continue after {@link pause}, parsing everything that queued up meanwhile. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.running) {
      const next = this.queue?.shift();
      if (next !== undefined) this.run(next);
    }
  }

  private run(first: Buffer): void {
    this.running = true;
    try {
      let chunk: Buffer | undefined = first;
      while (chunk !== undefined && this.state < CLOSED) {
        const stoppedAt = this.parse(chunk);
        if (stoppedAt < chunk.length) {
          if (this.state < CLOSED) (this.queue ??= []).unshift(chunk.subarray(stoppedAt));
          break;
        }
        if (this.paused) break;
        chunk = this.queue?.shift();
      }
      if (this.state >= CLOSED) this.queue = null;
    } finally {
      this.running = false;
    }
  }

  /** Parse `chunk` until it is used up or the parser pauses or stops; returns the position reached. */
  private parse(chunk: Buffer): number {
    const length = chunk.length;
    let pos = 0;
    while (pos < length) {
      if (this.paused || this.state >= CLOSED) return pos;
      if (this.state === READ_HEADER) {
        pos = this.readHeader(chunk, pos);
      } else {
        pos = this.readPayload(chunk, pos);
      }
    }
    return pos;
  }

  // ---- header ---------------------------------------------------------------

  private readHeader(chunk: Buffer, pos: number): number {
    const available = chunk.length - pos;
    const bytes = this.headerBytes ??= Buffer.allocUnsafe(MAX_HEADER_SIZE);
    if (this.headerFill === 0 && available >= 2) {
      // Fast path: the header is (usually) whole in this chunk.
      const b1 = chunk[pos + 1]!;
      if (!this.checkFirstTwoBytes(chunk[pos]!, b1)) return chunk.length;
      const size = headerSize(b1);
      if (available >= size) {
        if (!this.decodeLengthAndKey(chunk, pos, b1)) return chunk.length;
        return this.startPayload(pos + size);
      }
      chunk.copy(bytes, 0, pos);
      this.headerFill = available;
      return chunk.length;
    }
    // Slow path: gather the header in headerBytes, byte by byte if need be.
    while (pos < chunk.length) {
      const need = this.headerFill < 2 ? 2 : headerSize(bytes[1]!);
      const take = Math.min(need - this.headerFill, chunk.length - pos);
      chunk.copy(bytes, this.headerFill, pos, pos + take);
      this.headerFill += take;
      pos += take;
      if (this.headerFill < need) return pos;
      if (need === 2) {
        // The first two bytes just arrived: validate them now (fail fast).
        if (!this.checkFirstTwoBytes(bytes[0]!, bytes[1]!)) return chunk.length;
        if (headerSize(bytes[1]!) > 2) continue;
      }
      this.headerFill = 0;
      if (!this.decodeLengthAndKey(bytes, 0, bytes[1]!)) return chunk.length;
      return this.startPayload(pos);
    }
    return pos;
  }

  /**
   * Validate what the first two header bytes decide (RFC 6455 §5.2, §5.4, §5.5).
   * Records the frame's FIN, opcode and mask bit. Returns false after failing.
   */
  private checkFirstTwoBytes(b0: number, b1: number): boolean {
    const fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;

    // §5.2: "RSV1, RSV2, RSV3: MUST be 0 unless an extension is negotiated that
    // defines meanings for non-zero values." Only permessage-deflate claims one (RSV1).
    if ((b0 & 0x20) !== 0) return this.fail(protocolViolation('WS_ERR_UNEXPECTED_RSV_2', 'RSV2 must be clear'));
    if ((b0 & 0x10) !== 0) return this.fail(protocolViolation('WS_ERR_UNEXPECTED_RSV_3', 'RSV3 must be clear'));
    if (rsv1) {
      if (!this.allowRsv1) return this.fail(protocolViolation('WS_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear'));
      // RFC 7692 §6.1: the "Per-Message Compressed" bit is only valid on the
      // first frame of a data message, never on control frames or continuations.
      if (opcode !== Opcode.Text && opcode !== Opcode.Binary) {
        return this.fail(protocolViolation('WS_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear on control and continuation frames'));
      }
    }
    // §5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail
    // the WebSocket Connection_."
    if (!isKnownOpcode(opcode)) {
      return this.fail(protocolViolation('WS_ERR_INVALID_OPCODE', `Invalid opcode 0x${opcode.toString(16)}`));
    }
    if (isControlOpcode(opcode)) {
      // §5.5: "All control frames MUST have a payload length of 125 bytes or less
      // and MUST NOT be fragmented."
      if (!fin) return this.fail(protocolViolation('WS_ERR_FRAGMENTED_CONTROL_FRAME', 'Control frames must not be fragmented'));
      if ((b1 & 0x7f) > 125) {
        return this.fail(protocolViolation('WS_ERR_CONTROL_FRAME_TOO_LARGE', 'Control frame payloads must be 125 bytes or less'));
      }
    } else if (opcode === Opcode.Continuation) {
      // §5.4: a continuation frame belongs to a message started by a text or binary frame.
      if (this.messageOpcode === NO_MESSAGE) {
        return this.fail(protocolViolation('WS_ERR_UNEXPECTED_CONTINUATION', 'Continuation frame without a message to continue'));
      }
    } else if (this.messageOpcode !== NO_MESSAGE) {
      // §5.4: "fragments of one message MUST NOT be interleaved between the
      // fragments of another message".
      return this.fail(protocolViolation('WS_ERR_EXPECTED_CONTINUATION', 'New data frame inside a fragmented message'));
    }
    // §5.1: "a client MUST mask all frames that it sends to the server" and
    // "A server MUST NOT mask any frames that it sends to the client".
    if (masked !== (this.role === 'server')) {
      return this.role === 'server'
        ? this.fail(protocolViolation('WS_ERR_EXPECTED_MASK', 'Client frames must be masked'))
        : this.fail(protocolViolation('WS_ERR_UNEXPECTED_MASK', 'Server frames must not be masked'));
    }
    this.fin = fin;
    this.opcode = opcode;
    this.masked = masked;
    if (opcode === Opcode.Text || opcode === Opcode.Binary) this.messageCompressed = rsv1;
    return true;
  }

  /** Decode the payload length and masking key; check the size limits. */
  private decodeLengthAndKey(bytes: Buffer, pos: number, b1: number): boolean {
    let length = b1 & 0x7f;
    let keyAt = pos + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(pos + 2);
      keyAt += 2;
    } else if (length === 127) {
      const high = bytes.readUInt32BE(pos + 2);
      // §5.2: "the most significant bit MUST be 0".
      if (high >= 0x80000000) {
        return this.fail(protocolViolation('WS_ERR_INVALID_LENGTH', '64-bit payload length has its most significant bit set'));
      }
      length = high * 0x100000000 + bytes.readUInt32BE(pos + 6);
      keyAt += 8;
    }
    // Lengths are accepted in any encoding: §5.2 obliges the sender to use the
    // minimal one, but a longer encoding is unambiguous and harmless.
    if (this.masked) this.maskKey = bytes.readInt32LE(keyAt);
    this.maskPhase = 0;
    this.frameLength = length;
    this.frameRemaining = length;

    if (!isControlOpcode(this.opcode)) {
      const total = (this.opcode === Opcode.Continuation ? this.messageLength : 0) + length;
      if (total > this.maxPayload) {
        return this.fail(new ProtocolError(
          'WS_ERR_MESSAGE_TOO_BIG', CloseCode.MessageTooBig,
          `Message of ${total} bytes or more exceeds maxPayload (${this.maxPayload})`,
        ));
      }
      if (this.opcode !== Opcode.Continuation) {
        this.messageOpcode = this.opcode;
        this.messageFirstPiece = true;
      }
      this.messageLength = total;
    }
    return true;
  }

  private startPayload(pos: number): number {
    this.state = READ_PAYLOAD;
    if (this.frameLength === 0) this.endFrame(null);
    return pos;
  }

  // ---- payload --------------------------------------------------------------

  private readPayload(chunk: Buffer, pos: number): number {
    const available = chunk.length - pos;
    const n = available < this.frameRemaining ? available : this.frameRemaining;
    const end = pos + n;

    if (isControlOpcode(this.opcode)) {
      if (n === this.frameLength) {
        // The whole control payload is in this chunk: unmask in place.
        if (this.masked) maskInPlace(chunk, pos, end, this.maskKey, 0);
        this.frameRemaining = 0;
        this.endFrame(view(chunk, pos, end));
        return end;
      }
      if (this.controlBuffer === null) {
        // Its own allocation: the payload is handed to the application.
        this.controlBuffer = Buffer.allocUnsafe(this.frameLength);
        this.controlFill = 0;
      }
      this.copyPayload(chunk, pos, end, this.controlBuffer, this.controlFill);
      this.controlFill += n;
      if (this.frameRemaining === 0) {
        const payload = this.controlBuffer;
        this.controlBuffer = null;
        this.endFrame(payload);
      }
      return end;
    }

    if (this.messageCompressed) {
      if (this.masked) maskInPlace(chunk, pos, end, this.maskKey, this.maskPhase);
      this.maskPhase = (this.maskPhase + n) & 3;
      this.frameRemaining -= n;
      const isLast = this.fin && this.frameRemaining === 0;
      this.deliverCompressed(view(chunk, pos, end), isLast);
      if (this.frameRemaining === 0) this.state = READ_HEADER;
      return end;
    }

    if (n === this.frameLength && this.fin && (this.assembler === null || !this.assembler.active)) {
      // Fast path: a whole single-frame message in this chunk. Zero copies.
      if (this.masked) maskInPlace(chunk, pos, end, this.maskKey, 0);
      const data = view(chunk, pos, end);
      const isBinary = this.messageOpcode === Opcode.Binary;
      if (!isBinary && !isValidUtf8(data)) {
        this.failUtf8();
        return chunk.length;
      }
      this.frameRemaining = 0;
      this.state = READ_HEADER;
      this.messageOpcode = NO_MESSAGE;
      this.messageLength = 0;
      this.handler.onMessage(data, isBinary);
      return end;
    }

    // Assembly path: the message spans chunks or frames.
    const assembler = this.assembler ??= new MessageAssembler();
    if (this.frameRemaining === this.frameLength) {
      assembler.startFrame(this.frameLength, this.fin, this.maxPayload);
    }
    const isText = this.messageOpcode === Opcode.Text;
    const valid = assembler.append(chunk, pos, end, this.masked, this.maskKey, this.maskPhase, isText);
    this.maskPhase = (this.maskPhase + n) & 3;
    this.frameRemaining -= n;
    if (!valid) {
      this.failUtf8();
      return chunk.length;
    }
    if (this.frameRemaining === 0) this.endFrame(null);
    return end;
  }

  /** Copy (and unmask) payload bytes, advancing the frame's mask phase and remaining count. */
  private copyPayload(chunk: Buffer, pos: number, end: number, target: Buffer, at: number): void {
    if (this.masked) {
      maskCopy(chunk, pos, end, target, at, this.maskKey, this.maskPhase);
      this.maskPhase = (this.maskPhase + end - pos) & 3;
    } else {
      chunk.copy(target, at, pos, end);
    }
    this.frameRemaining -= end - pos;
  }

  /** The current frame's payload is complete; `payload` is set for control frames. */
  private endFrame(payload: Buffer | null): void {
    this.state = READ_HEADER;
    switch (this.opcode) {
      case Opcode.Ping:
        this.handler.onPing(payload ?? Buffer.alloc(0));
        return;
      case Opcode.Pong:
        this.handler.onPong(payload ?? Buffer.alloc(0));
        return;
      case Opcode.Close:
        this.endCloseFrame(payload);
        return;
    }
    if (!this.fin) return;
    if (this.messageCompressed) {
      // Only reached for an empty final frame; the pieces went out as they arrived.
      this.deliverCompressed(Buffer.alloc(0), true);
      return;
    }
    const isBinary = this.messageOpcode === Opcode.Binary;
    // §8.1: a text message that ends inside a code point is invalid.
    // No assembler means every fragment was empty: an empty (and valid) message.
    const data = this.assembler === null ? Buffer.alloc(0) : this.assembler.finish(!isBinary);
    if (data === null) {
      this.failUtf8();
      return;
    }
    this.messageOpcode = NO_MESSAGE;
    this.messageLength = 0;
    this.handler.onMessage(data, isBinary);
  }

  private deliverCompressed(data: Buffer, isLast: boolean): void {
    const isBinary = this.messageOpcode === Opcode.Binary;
    const isFirst = this.messageFirstPiece;
    this.messageFirstPiece = false;
    if (isLast) {
      this.messageOpcode = NO_MESSAGE;
      this.messageLength = 0;
      this.messageCompressed = false;
    }
    this.handler.onCompressedData!(data, isBinary, isFirst, isLast);
  }

  /** RFC 6455 §5.5.1: the close frame's optional code and UTF-8 reason. */
  private endCloseFrame(payload: Buffer | null): void {
    const length = payload === null ? 0 : payload.length;
    let code: number = CloseCode.NoStatusReceived;
    let reason = '';
    if (length === 1) {
      this.fail(protocolViolation('WS_ERR_INVALID_CLOSE_PAYLOAD', 'Close frame payload of 1 byte'));
      return;
    }
    if (payload !== null && length >= 2) {
      code = payload.readUInt16BE(0);
      if (!isValidReceivedCloseCode(code)) {
        this.fail(protocolViolation('WS_ERR_INVALID_CLOSE_CODE', `Invalid close code ${code}`));
        return;
      }
      const reasonBytes = payload.subarray(2);
      if (!isValidUtf8(reasonBytes)) {
        this.fail(new ProtocolError('WS_ERR_INVALID_UTF8', CloseCode.InvalidPayloadData, 'Close reason is not valid UTF-8'));
        return;
      }
      reason = reasonBytes.toString('utf8');
    }
    this.state = CLOSED;
    this.assembler?.reset();
    this.handler.onClose(code, reason);
  }

  private failUtf8(): void {
    this.fail(new ProtocolError('WS_ERR_INVALID_UTF8', CloseCode.InvalidPayloadData, 'Text message is not valid UTF-8'));
  }

  /** Report `error` once and refuse all further input. Always returns false. */
  private fail(error: ProtocolError): false {
    this.state = FAILED;
    this.error = error;
    this.assembler?.reset();
    this.controlBuffer = null;
    this.queue = null;
    this.handler.onError(error);
    return false;
  }
}

/** Header size implied by the second header byte: length field and mask key. */
function headerSize(b1: number): number {
  const lengthField = b1 & 0x7f;
  return 2 + (lengthField === 126 ? 2 : lengthField === 127 ? 8 : 0) + ((b1 & 0x80) !== 0 ? 4 : 0);
}
