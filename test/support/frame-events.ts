/**
 * Test helper: run a FrameParser over a list of chunks and record what it
 * reports as plain, comparable values.
 */
import { FrameParser, type FrameParserOptions } from '../../src/frame/parser.js';

export type FrameEvent =
  | { type: 'message'; binary: boolean; hex: string }
  | { type: 'ping' | 'pong'; hex: string }
  | { type: 'close'; code: number; reason: string }
  | { type: 'compressed'; binary: boolean; first: boolean; last: boolean; hex: string }
  | { type: 'error'; code: string; closeCode: number };

/** Parse `chunks` (each copied first: the parser unmasks in place) and return the events. */
export function parseChunks(options: FrameParserOptions, chunks: readonly Uint8Array[]): FrameEvent[] {
  const events: FrameEvent[] = [];
  const push = recordingParser(events, options);
  for (const chunk of chunks) push(chunk);
  return events;
}

/** A parser that records its events into `events`; the returned function pushes a copy of each chunk. */
export function recordingParser(events: FrameEvent[], options: FrameParserOptions): (chunk: Uint8Array) => void {
  const parser = new FrameParser(options, {
    onMessage: (data, binary) => events.push({ type: 'message', binary, hex: data.toString('hex') }),
    onPing: (payload) => events.push({ type: 'ping', hex: payload.toString('hex') }),
    onPong: (payload) => events.push({ type: 'pong', hex: payload.toString('hex') }),
    onClose: (code, reason) => events.push({ type: 'close', code, reason }),
    onError: (error) => events.push({ type: 'error', code: error.code, closeCode: error.closeCode }),
    onCompressedData: (data, binary, first, last) =>
      events.push({ type: 'compressed', binary, first, last, hex: data.toString('hex') }),
  });
  return (chunk) => parser.push(Buffer.from(chunk));
}

/**
 * Compressed-data events are delivered per arriving piece, so their split
 * depends on chunking; merge consecutive pieces of one message so results
 * can be compared across chunkings.
 */
export function mergeCompressedPieces(events: FrameEvent[]): FrameEvent[] {
  const out: FrameEvent[] = [];
  for (const event of events) {
    const last = out[out.length - 1];
    if (event.type === 'compressed' && last?.type === 'compressed' && !last.last) {
      out[out.length - 1] = { ...last, last: event.last, hex: last.hex + event.hex };
    } else {
      out.push(event);
    }
  }
  return out;
}

/** Every way to cut `bytes` into two chunks, plus one-byte-at-a-time. */
export function splits(bytes: Uint8Array): Uint8Array[][] {
  const result: Uint8Array[][] = [];
  for (let at = 1; at < bytes.length; at++) result.push([bytes.subarray(0, at), bytes.subarray(at)]);
  result.push(Array.from(bytes, (b) => Uint8Array.of(b)));
  return result;
}

/** `hex` with whitespace allowed, as a Buffer. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** A small deterministic PRNG so random tests are reproducible from a seed (the conformance corpus uses the same one). */
export { seededRandom as prng } from '../../src/tools/seeded-random.js';

/** Build a frame by hand (independently of the serializer under test). */
export function rawFrame(options: {
  fin?: boolean; rsv?: number; opcode: number; payload?: Uint8Array | string;
  maskKey?: readonly [number, number, number, number] | null; lengthEncoding?: 7 | 16 | 64;
}): Buffer {
  const payload = typeof options.payload === 'string' ? Buffer.from(options.payload) : Buffer.from(options.payload ?? []);
  const n = payload.length;
  const encoding = options.lengthEncoding ?? (n < 126 ? 7 : n < 65536 ? 16 : 64);
  const head: number[] = [((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | options.opcode];
  const maskBit = options.maskKey ? 0x80 : 0;
  if (encoding === 7) head.push(maskBit | n);
  else if (encoding === 16) head.push(maskBit | 126, n >> 8, n & 0xff);
  else {
    head.push(maskBit | 127);
    const high = Math.floor(n / 2 ** 32);
    for (const v of [high, n >>> 0]) head.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  }
  const body = Buffer.from(payload);
  if (options.maskKey) {
    head.push(...options.maskKey);
    for (let i = 0; i < n; i++) body[i] = body[i]! ^ options.maskKey[i & 3]!;
  }
  return Buffer.concat([Buffer.from(head), body]);
}
