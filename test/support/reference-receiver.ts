/**
 * A reference receiver: what an RFC 6455 (+ RFC 7692) endpoint must make of a
 * whole byte stream, written independently of src/ as a plain,
 * non-incremental loop over the stream. It is the oracle of the fuzz and
 * reliability tests: whatever the library does with the same bytes — in any
 * chunking, over a real socket, through zlib's thread pool — must agree with
 * it: the same messages, byte for byte and in order, and the same ending.
 *
 * The order of the checks follows the library's documented order (RFC 6455
 * §5.2 field order, limits from the header before the payload, UTF-8 checked
 * fail-fast as bytes arrive), so that an input that breaks two rules in one
 * frame has one expected close code. Where the order is genuinely not
 * defined (a compressed message that is both too big and invalid: which of
 * zlib's output chunks comes first depends on how the input was split), the
 * ending lists every acceptable code.
 */
import { constants as zlibConstants, inflateRawSync } from 'node:zlib';

/** RFC 7692 §7.2.2: appended to a compressed message before inflating it. */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** The LZ77 window carried from message to message (RFC 7692 §7.2.2), at most 2^15 bytes. */
const WINDOW = 32 * 1024;

export interface ReferenceOptions {
  /** The receiving endpoint's role: a server expects masked frames, a client unmasked ones. */
  readonly role: 'client' | 'server';
  /** Largest message, in bytes (wire size, and inflated size for compressed messages). */
  readonly maxPayload: number;
  /**
   * RSV1: `'reject'` (no extension: 1002), `'raw'` (report compressed messages'
   * payloads as they are, as FrameParser with allowRsv1 does), or `'inflate'`
   * (permessage-deflate negotiated: inflate them).
   */
  readonly rsv1?: 'reject' | 'raw' | 'inflate';
  /** With 'inflate': the peer resets its compressor per message (its *_no_context_takeover). */
  readonly noContextTakeover?: boolean;
}

export interface ReferenceMessage {
  readonly binary: boolean;
  readonly data: Buffer;
  /** RSV1 was set on its first frame. */
  readonly compressed: boolean;
}

export type ReferenceEvent =
  | ({ readonly type: 'message' } & ReferenceMessage)
  | { readonly type: 'ping' | 'pong'; readonly data: Buffer };

export type ReferenceEnd =
  /** A valid close frame: `code` is 1005 when it had no payload. Nothing after it counts. */
  | { readonly kind: 'close'; readonly code: number; readonly reason: string }
  /** The connection must be failed with one of `codes` (usually exactly one). */
  | { readonly kind: 'fail'; readonly codes: readonly number[]; readonly why: string }
  /** The stream ended without a close frame or a violation (mid-frame or between frames). */
  | { readonly kind: 'incomplete' };

export interface ReferenceResult {
  readonly events: readonly ReferenceEvent[];
  readonly messages: readonly ReferenceMessage[];
  readonly pings: readonly Buffer[];
  readonly pongs: readonly Buffer[];
  readonly end: ReferenceEnd;
  /** Compressed messages that ended their DEFLATE stream with a BFINAL block (RFC 7692 §7.2.3.4). */
  readonly deflateStreamEnds: number;
}

/**
 * UTF-8 validation with the WHATWG decoder's byte ranges (RFC 3629 §4), fail
 * fast: `push` returns false at the first byte no valid text could contain.
 */
export class Utf8Checker {
  private need = 0;
  private lower = 0x80;
  private upper = 0xbf;

  push(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (this.need === 0) {
        if (b < 0x80) continue;
        if (b >= 0xc2 && b <= 0xdf) {
          this.need = 1;
        } else if (b >= 0xe0 && b <= 0xef) {
          this.need = 2;
          if (b === 0xe0) this.lower = 0xa0;
          if (b === 0xed) this.upper = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
          this.need = 3;
          if (b === 0xf0) this.lower = 0x90;
          if (b === 0xf4) this.upper = 0x8f;
        } else {
          return false;
        }
      } else {
        if (b < this.lower || b > this.upper) return false;
        this.lower = 0x80;
        this.upper = 0xbf;
        this.need--;
      }
    }
    return true;
  }

  /** No code point is left unfinished. */
  get complete(): boolean {
    return this.need === 0;
  }
}

/** Whole-buffer UTF-8 check (complete text). */
export function isUtf8Text(bytes: Uint8Array): boolean {
  const checker = new Utf8Checker();
  return checker.push(bytes) && checker.complete;
}

/** RFC 6455 §7.4 plus the IANA-registered 1012–1014, as the README documents. */
function isAcceptableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** Outcome of inflating (a prefix of) one compressed message. */
type InflateOutcome = { ok: true; data: Buffer } | { ok: false; codes: number[]; why: string };

/**
 * The receiving side's decompressor (RFC 7692 §7.2.2), modelled without
 * streams: one DEFLATE stream carries the LZ77 window from message to
 * message, so a message is inflated as the continuation of every earlier
 * message of the stream (each with its appended 00 00 ff ff) — which is also
 * what a long-lived zlib stream does with a malformed message that did not
 * end on a block boundary. A stream that ended (a BFINAL block, §7.2.3.4)
 * does not swallow later messages: the next one starts a new stream, primed
 * with the window so far.
 */
class Inflater {
  /** Compressed messages of the current stream, trailers included. */
  private history: Buffer = Buffer.alloc(0);
  /** How many bytes `history` inflates to. */
  private historyOutput = 0;
  /** The window the current stream started with. */
  private dictionary: Buffer = Buffer.alloc(0);
  /** The last 32 KiB of everything inflated since the last reset. */
  private window: Buffer = Buffer.alloc(0);
  /** Streams that ended with a BFINAL block so far. */
  streamEnds = 0;

  constructor(private readonly maxPayload: number) {}

  /** Inflate `compressed` (the message so far; `final`: all of it, trailer appended), checking size and, for text, UTF-8. */
  inflate(compressed: Buffer, final: boolean, isText: boolean): InflateOutcome {
    const input = Buffer.concat([this.history, compressed, ...(final ? [TRAILER] : [])]);
    let output: Buffer;
    try {
      output = inflateRawSync(input, {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
        maxOutputLength: Math.max(1, Math.min(this.historyOutput + this.maxPayload, 2 ** 31)),
        ...(this.dictionary.length > 0 ? { dictionary: this.dictionary } : {}),
      });
    } catch (error) {
      // Too big, or invalid data: which one a streaming inflater reports first
      // depends on how its input was split, so both codes are acceptable.
      const tooBig = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      return { ok: false, codes: [1007, 1009], why: tooBig ? 'inflated size over maxPayload' : `invalid deflate data (${(error as Error).message})` };
    }
    const data = output.subarray(this.historyOutput);
    if (data.length > this.maxPayload) return { ok: false, codes: [1009, 1007], why: 'inflated size over maxPayload' };
    if (isText) {
      const checker = new Utf8Checker();
      if (!checker.push(data) || (final && !checker.complete)) return { ok: false, codes: [1007], why: 'inflated text is not UTF-8' };
    }
    return { ok: true, data: Buffer.from(data) };
  }

  /** A message was received whole: carry the window on, or reset it (`noContextTakeover`). */
  commit(compressed: Buffer, data: Buffer, noContextTakeover: boolean): void {
    if (noContextTakeover) {
      this.history = Buffer.alloc(0);
      this.historyOutput = 0;
      this.dictionary = Buffer.alloc(0);
      this.window = Buffer.alloc(0);
      return;
    }
    this.history = Buffer.concat([this.history, compressed, TRAILER]);
    this.historyOutput += data.length;
    this.window = tail(Buffer.concat([this.window, data]), WINDOW);
    if (this.streamEnded()) {
      this.streamEnds++;
      this.history = Buffer.alloc(0);
      this.historyOutput = 0;
      this.dictionary = this.window;
    }
  }

  /** Whether the current stream reached its final block (inflating it with Z_FINISH then succeeds). */
  private streamEnded(): boolean {
    try {
      inflateRawSync(this.history, this.dictionary.length > 0 ? { dictionary: this.dictionary } : {});
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Run the reference receiver over the whole `stream`.
 *
 * A compressed message is inflated lazily: its frames are collected, and
 * when it ends (or the stream does, or a later frame breaks a rule) the
 * earliest frame after which its inflated prefix is already invalid is found
 * by bisection. Failure only grows with the prefix (a zlib error, the size
 * and a non-UTF-8 byte all persist), so that frame is where a streaming
 * receiver must fail — before anything that follows it on the wire.
 */
export function referenceReceive(stream: Uint8Array, options: ReferenceOptions): ReferenceResult {
  const { role, maxPayload } = options;
  const rsv1 = options.rsv1 ?? 'reject';
  const events: ReferenceEvent[] = [];

  // The message being received.
  let messageOpcode = -1; // -1: none
  let messageCompressed = false;
  let messageLength = 0; // declared bytes of its frames so far
  let parts: Buffer[] = [];
  let utf8 = new Utf8Checker();
  const inflater = new Inflater(maxPayload);
  /** For a compressed message: after each frame (or partial frame), compressed bytes so far and events so far. */
  let boundaries: { bytes: number; events: number }[] = [];

  const result = (end: ReferenceEnd): ReferenceResult => {
    // A compressed message still open: did one of its frames already fail?
    if (messageOpcode !== -1 && messageCompressed && rsv1 === 'inflate' && boundaries.length > 0) {
      const failure = earliestFailure(false);
      if (failure !== null) return finish(failure.events, { kind: 'fail', codes: failure.codes, why: failure.why });
    }
    return finish(events.length, end);
  };
  const finish = (eventCount: number, end: ReferenceEnd): ReferenceResult => {
    const kept = events.slice(0, eventCount);
    const messages: ReferenceMessage[] = [];
    const pings: Buffer[] = [];
    const pongs: Buffer[] = [];
    for (const event of kept) {
      if (event.type === 'message') messages.push({ binary: event.binary, data: event.data, compressed: event.compressed });
      else (event.type === 'ping' ? pings : pongs).push(event.data);
    }
    return { events: kept, messages, pings, pongs, end, deflateStreamEnds: inflater.streamEnds };
  };
  const fail = (code: number, why: string) => result({ kind: 'fail', codes: [code], why });

  /** The first boundary whose prefix fails (the last one inflated as final when `final`), or null. */
  const earliestFailure = (final: boolean): { events: number; codes: number[]; why: string } | null => {
    const all = Buffer.concat(parts);
    const isText = messageOpcode === 0x1;
    const check = (index: number) => inflater.inflate(all.subarray(0, boundaries[index]!.bytes), final && index === boundaries.length - 1, isText);
    const lastIndex = boundaries.length - 1;
    const last = check(lastIndex);
    if (last.ok) return null;
    // Non-final prefixes fail monotonically: bisect for the first failing one.
    let low = 0;
    let high = lastIndex; // a failing index (the final one may fail only for being final)
    if (final) {
      const lastAsPrefix = inflater.inflate(all, false, isText);
      if (lastAsPrefix.ok) return { events: boundaries[lastIndex]!.events, codes: last.codes, why: last.why };
    }
    while (low < high) {
      const middle = (low + high) >> 1;
      if (check(middle).ok) low = middle + 1;
      else high = middle;
    }
    const outcome = inflater.inflate(all.subarray(0, boundaries[low]!.bytes), false, isText);
    const failure = outcome.ok ? last : outcome;
    return { events: boundaries[low]!.events, codes: failure.codes, why: failure.why };
  };

  let pos = 0;
  const length = stream.length;
  for (;;) {
    if (length - pos < 2) return result({ kind: 'incomplete' });
    const b0 = stream[pos]!;
    const b1 = stream[pos + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    const isControl = opcode >= 0x8;
    // §5.2 in field order: RSV bits, opcode, then what the opcode implies, then MASK.
    if (b0 & 0x20) return fail(1002, 'RSV2 set');
    if (b0 & 0x10) return fail(1002, 'RSV3 set');
    if (b0 & 0x40) {
      if (rsv1 === 'reject') return fail(1002, 'RSV1 set without an extension');
      if (opcode !== 0x1 && opcode !== 0x2) return fail(1002, 'RSV1 on a control or continuation frame');
    }
    if (![0x0, 0x1, 0x2, 0x8, 0x9, 0xa].includes(opcode)) return fail(1002, `reserved opcode ${opcode}`);
    if (isControl) {
      if (!fin) return fail(1002, 'fragmented control frame');
      if ((b1 & 0x7f) > 125) return fail(1002, 'control frame over 125 bytes');
    } else if (opcode === 0x0) {
      if (messageOpcode === -1) return fail(1002, 'continuation without a message');
    } else if (messageOpcode !== -1) {
      return fail(1002, 'new data frame inside a fragmented message');
    }
    if (masked !== (role === 'server')) return fail(1002, role === 'server' ? 'unmasked client frame' : 'masked server frame');

    const lengthField = b1 & 0x7f;
    const headerSize = 2 + (lengthField === 126 ? 2 : lengthField === 127 ? 8 : 0) + (masked ? 4 : 0);
    if (length - pos < headerSize) return result({ kind: 'incomplete' });
    let payloadLength = lengthField;
    if (lengthField === 126) {
      payloadLength = (stream[pos + 2]! << 8) | stream[pos + 3]!;
    } else if (lengthField === 127) {
      const view = new DataView(stream.buffer, stream.byteOffset + pos + 2, 8);
      const high = view.getUint32(0);
      if (high >= 0x80000000) return fail(1002, '64-bit length with its top bit set');
      payloadLength = high * 2 ** 32 + view.getUint32(4);
    }
    if (!isControl) {
      const total = (opcode === 0x0 ? messageLength : 0) + payloadLength;
      if (total > maxPayload) return fail(1009, `message of ${total} bytes over maxPayload`);
      if (opcode !== 0x0) {
        messageOpcode = opcode;
        messageCompressed = (b0 & 0x40) !== 0;
        parts = [];
        boundaries = [];
        utf8 = new Utf8Checker();
      }
      messageLength = total;
    }

    // The payload, or as much of it as the stream holds.
    const start = pos + headerSize;
    const available = Math.min(payloadLength, length - start);
    const payload = Buffer.from(stream.subarray(start, start + available));
    if (masked) {
      const key = stream.subarray(start - 4, start);
      for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i & 3]!;
    }
    const whole = available === payloadLength;
    pos = start + available;

    if (isControl) {
      if (!whole) return result({ kind: 'incomplete' });
      if (opcode === 0x9) {
        events.push({ type: 'ping', data: payload });
        continue;
      }
      if (opcode === 0xa) {
        events.push({ type: 'pong', data: payload });
        continue;
      }
      // Close (§5.5.1): no body, or a 2-byte code and a UTF-8 reason.
      if (payload.length === 0) return result({ kind: 'close', code: 1005, reason: '' });
      if (payload.length === 1) return fail(1002, 'close frame with a 1-byte body');
      const code = payload.readUInt16BE(0);
      if (!isAcceptableCloseCode(code)) return fail(1002, `close code ${code}`);
      const reason = payload.subarray(2);
      if (!isUtf8Text(reason)) return fail(1007, 'close reason is not UTF-8');
      return result({ kind: 'close', code, reason: reason.toString('utf8') });
    }

    const isText = messageOpcode === 0x1;
    parts.push(payload);
    if (messageCompressed && rsv1 === 'inflate') {
      boundaries.push({ bytes: (boundaries.at(-1)?.bytes ?? 0) + payload.length, events: events.length });
      if (!whole) return result({ kind: 'incomplete' });
      if (!fin) continue;
      const failure = earliestFailure(true);
      if (failure !== null) return finish(failure.events, { kind: 'fail', codes: failure.codes, why: failure.why });
      const compressed = Buffer.concat(parts);
      const outcome = inflater.inflate(compressed, true, isText);
      if (!outcome.ok) throw new Error('reference receiver: inconsistent inflation');
      events.push({ type: 'message', binary: !isText, data: outcome.data, compressed: true });
      inflater.commit(compressed, outcome.data, options.noContextTakeover === true);
    } else {
      // Uncompressed text is validated as it arrives; raw compressed payloads are not text yet.
      const checkText = isText && !messageCompressed;
      if (checkText && !utf8.push(payload)) return fail(1007, 'text is not UTF-8');
      if (!whole) return result({ kind: 'incomplete' });
      if (!fin) continue;
      if (checkText && !utf8.complete) return fail(1007, 'text ends inside a code point');
      events.push({ type: 'message', binary: !isText, data: Buffer.concat(parts), compressed: messageCompressed });
    }
    messageOpcode = -1;
    messageLength = 0;
    parts = [];
    boundaries = [];
  }
}

function tail(bytes: Buffer, size: number): Buffer {
  return bytes.length <= size ? bytes : bytes.subarray(bytes.length - size);
}
