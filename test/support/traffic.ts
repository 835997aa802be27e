/**
 * Seeded generators of plausible WebSocket traffic for fuzz and soak tests:
 * text with every UTF-8 length class, random binary, fragmentation with
 * control frames between fragments, and — when permessage-deflate is in play
 * — compressed messages as RFC 7692 §7.2.1 describes them (sync-flushed,
 * trailer removed, the LZ77 window carried from message to message unless
 * the sender resets it), optionally ended with a BFINAL block (§7.2.3.4).
 */
import { constants as zlibConstants, deflateRawSync } from 'node:zlib';
import { Opcode } from '../../src/frame/opcode.js';
import { encodeClosePayload, encodeFrame } from '../../src/frame/serializer.js';
import type { Random } from './frame-mutator.js';

export type { Random } from './frame-mutator.js';

export const int = (random: Random, n: number): number => Math.floor(random() * n);

/** A seedable 32-bit mix (splitmix32 finaliser): derives per-iteration seeds from a run seed. */
export function mixSeed(seed: number, index: number): number {
  let z = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Code points of every UTF-8 length, edges of the ranges included. */
const TEXT_PIECES = ['a', 'Z', ' ', '~', '\u0000', '\u007f', 'é', '\u0080', '\u07ff', '€', '\u0800', '\ud7ff', '\ue000', '\uffff', '𝄞', '\u{10000}', '\u{10ffff}'];

/** Random valid text of about `bytes` UTF-8 bytes (never more than bytes + 3). */
export function randomText(random: Random, bytes: number): string {
  if (bytes <= 0) return '';
  // Mostly ASCII runs (cheap to build), sprinkled with multi-byte code points.
  let text = '';
  let size = 0;
  while (size < bytes) {
    if (random() < 0.7) {
      const run = Math.min(bytes - size, 1 + int(random, 64));
      text += String.fromCharCode(0x61 + int(random, 26)).repeat(run);
      size += run;
    } else {
      const piece = TEXT_PIECES[int(random, TEXT_PIECES.length)]!;
      text += piece;
      size += Buffer.byteLength(piece);
    }
  }
  return text;
}

/** `n` random bytes from `random`. */
export function randomBytes(random: Random, n: number): Buffer {
  const bytes = Buffer.allocUnsafe(n);
  let i = 0;
  for (; i + 4 <= n; i += 4) bytes.writeUInt32LE((random() * 0x100000000) >>> 0, i);
  for (; i < n; i++) bytes[i] = int(random, 256);
  return bytes;
}

/** RFC 7692 §7.2.1 compressor state of one sending endpoint. */
export class DeflateSender {
  private window = Buffer.alloc(0);

  constructor(
    /** Reset the LZ77 window after every message (the sender's *_no_context_takeover). */
    private readonly noContextTakeover: boolean,
  ) {}

  /**
   * Compress one message. `bfinal` ends it with a final block (RFC 7692
   * §7.2.3.4) instead of a sync flush; the deflate stream then ends, so the
   * next message starts a new one with an empty window.
   */
  compress(data: Buffer, level: number, bfinal: boolean): Buffer {
    const dictionary = this.window.length > 0 ? { dictionary: this.window } : {};
    let payload: Buffer;
    if (bfinal) {
      payload = deflateRawSync(data, { level, ...dictionary });
    } else {
      const flushed = deflateRawSync(data, { level, finishFlush: zlibConstants.Z_SYNC_FLUSH, ...dictionary });
      payload = flushed.subarray(0, flushed.length - 4); // §7.2.1: drop 00 00 ff ff
      if (payload.length === 0) payload = Buffer.from([0x00]); // §7.2.3.6
    }
    if (this.noContextTakeover || bfinal) this.window = Buffer.alloc(0);
    else {
      const joined = Buffer.concat([this.window, data]);
      this.window = joined.length > 32768 ? joined.subarray(joined.length - 32768) : joined;
    }
    return payload;
  }
}

export interface TrafficOptions {
  /** Mask frames (a client's traffic). */
  readonly masked: boolean;
  /** Largest message generated, in bytes. Default 70 000. */
  readonly maxMessage?: number;
  /** Compress some messages (permessage-deflate negotiated) with this sender. */
  readonly deflate?: DeflateSender;
  /** Allow messages ended with a BFINAL block (RFC 7692 §7.2.3.4). Default false. */
  readonly bfinal?: boolean;
  /** Include an occasional close frame in the middle of the traffic. Default true. */
  readonly closeFrames?: boolean;
}

/** 1–6 items of valid traffic: messages (some fragmented, some with pings between fragments), pings, pongs, rarely a close frame. */
export function generateTraffic(random: Random, options: TrafficOptions): Buffer {
  const parts: Buffer[] = [];
  const mask = options.masked;
  const maxMessage = options.maxMessage ?? 70_000;
  const items = 1 + int(random, 6);
  for (let item = 0; item < items; item++) {
    const kind = int(random, 20);
    if (kind < 16) {
      const size = int(random, 4) === 0 ? int(random, maxMessage + 1) : int(random, 200);
      const isText = random() < 0.5;
      let payload = isText ? Buffer.from(randomText(random, size)) : randomBytes(random, size);
      let compressed = false;
      if (options.deflate !== undefined && random() < 0.75) {
        payload = options.deflate.compress(payload, int(random, 10), options.bfinal === true && random() < 0.2);
        compressed = true;
      }
      const fragmentSize = random() < 0.6 ? payload.length + 1 : 1 + int(random, Math.max(1, payload.length));
      let offset = 0;
      let first = true;
      do {
        const end = Math.min(payload.length, offset + fragmentSize);
        const fin = end === payload.length;
        const opcode = first ? (isText ? Opcode.Text : Opcode.Binary) : Opcode.Continuation;
        parts.push(...encodeFrame(opcode, payload.subarray(offset, end), { mask, fin, rsv1: compressed && first, copy: true }));
        // RFC 6455 §5.4: control frames may be injected between fragments.
        if (!fin && random() < 0.1) parts.push(...encodeFrame(Opcode.Ping, randomBytes(random, int(random, 126)), { mask }));
        offset = end;
        first = false;
      } while (offset < payload.length);
    } else if (kind < 19) {
      parts.push(...encodeFrame(random() < 0.6 ? Opcode.Ping : Opcode.Pong, randomBytes(random, int(random, 126)), { mask }));
    } else if (options.closeFrames !== false) {
      const code = [1000, 1001, 1003, 1011, 1012, 3000, 4999][int(random, 7)]!;
      const body = random() < 0.2 ? Buffer.alloc(0) : encodeClosePayload(code, randomText(random, int(random, 40)).slice(0, 30));
      parts.push(...encodeFrame(Opcode.Close, body, { mask }));
    }
  }
  return Buffer.concat(parts);
}

/**
 * Traffic that probes a `maxPayload` limit: one frame declaring more than the
 * limit (up to 2^40 bytes) followed by a little payload, or a fragmented
 * message whose fragments only pass the limit together.
 */
export function oversizedTraffic(random: Random, masked: boolean, maxPayload: number): Buffer {
  if (random() < 0.5) {
    const declared = maxPayload + 1 + int(random, random() < 0.5 ? 1000 : 2 ** 40 - maxPayload);
    const header = Buffer.alloc(10);
    header[0] = 0x80 | (random() < 0.5 ? Opcode.Binary : Opcode.Text);
    header[1] = (masked ? 0x80 : 0) | 127;
    header.writeUInt32BE(Math.floor(declared / 2 ** 32), 2);
    header.writeUInt32BE(declared >>> 0, 6);
    return Buffer.concat([header, ...(masked ? [randomBytes(random, 4)] : []), randomBytes(random, int(random, 2000))]);
  }
  const fragments = 2 + int(random, 6);
  const size = Math.ceil((maxPayload + 1 + int(random, 4096)) / fragments);
  const parts: Buffer[] = [];
  for (let i = 0; i < fragments; i++) {
    parts.push(...encodeFrame(i === 0 ? Opcode.Binary : Opcode.Continuation, randomBytes(random, size), { mask: masked, fin: i === fragments - 1 }));
  }
  return Buffer.concat(parts);
}

/** A close frame (1000) to end a stream cleanly. */
export function closeFrame(masked: boolean, code = 1000, reason = 'fuzz'): Buffer {
  return Buffer.concat(encodeFrame(Opcode.Close, encodeClosePayload(code, reason), { mask: masked }));
}
