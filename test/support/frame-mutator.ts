/**
 * Generators of valid and mutated frame streams, for fuzz tests. Seeded, so
 * any failure is reproducible from the seed it prints.
 */
import { Opcode } from '../../src/frame/opcode.js';
import { encodeClosePayload, encodeFrame, encodeMessage } from '../../src/frame/serializer.js';

export type Random = () => number;

const int = (random: Random, n: number) => Math.floor(random() * n);

/** A plausible stream of frames as a peer in `role` would send them. */
export function validTraffic(random: Random, masked: boolean): Buffer {
  const parts: Buffer[] = [];
  const frames = 1 + int(random, 6);
  for (let i = 0; i < frames; i++) {
    const kind = int(random, 10);
    const size = int(random, 4) === 0 ? int(random, 70000) : int(random, 200);
    if (kind < 4) {
      const text = Buffer.alloc(size, 0x61).toString() + (int(random, 2) ? '€𝄞' : '');
      parts.push(...encodeMessage(Opcode.Text, text, { mask: masked, fragmentSize: 1 + int(random, size + 2) }));
    } else if (kind < 8) {
      const bytes = Buffer.alloc(size).map(() => int(random, 256));
      parts.push(...encodeMessage(Opcode.Binary, bytes, { mask: masked, fragmentSize: 1 + int(random, size + 2) }));
    } else if (kind === 8) {
      parts.push(...encodeFrame(int(random, 2) ? Opcode.Ping : Opcode.Pong, Buffer.alloc(int(random, 126), 1), { mask: masked }));
    } else {
      parts.push(...encodeFrame(Opcode.Close, encodeClosePayload([1000, 1001, 1011, 3000, 4999][int(random, 5)]!, 'r'), { mask: masked }));
    }
  }
  return Buffer.concat(parts);
}

/** Apply 1–4 random mutations: bit flips, truncation, duplication, reordering, absurd lengths, noise. */
export function mutate(random: Random, input: Buffer): Buffer {
  let bytes = Buffer.from(input);
  const rounds = 1 + int(random, 4);
  for (let r = 0; r < rounds && bytes.length > 0; r++) {
    const at = int(random, bytes.length);
    switch (int(random, 7)) {
      case 0: // flip one bit
        bytes[at] = bytes[at]! ^ (1 << int(random, 8));
        break;
      case 1: // truncate
        bytes = bytes.subarray(0, at);
        break;
      case 2: { // duplicate a slice
        const end = Math.min(bytes.length, at + 1 + int(random, 64));
        bytes = Buffer.concat([bytes.subarray(0, end), bytes.subarray(at, end), bytes.subarray(end)]);
        break;
      }
      case 3: { // swap two slices (reordered chunks)
        const cut = int(random, bytes.length + 1);
        bytes = Buffer.concat([bytes.subarray(cut), bytes.subarray(0, cut)]);
        break;
      }
      case 4: { // an absurd 64-bit length
        const header = Buffer.from([0x82 | (int(random, 2) << 7), 0xff, 0, 0, 0, int(random, 256), 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]);
        bytes = Buffer.concat([bytes.subarray(0, at), header, bytes.subarray(at)]);
        break;
      }
      case 5: { // random noise
        const noise = Buffer.alloc(1 + int(random, 32)).map(() => int(random, 256));
        bytes = Buffer.concat([bytes.subarray(0, at), noise, bytes.subarray(at)]);
        break;
      }
      default: // overwrite one byte
        bytes[at] = int(random, 256);
    }
  }
  return bytes;
}

/** Cut `bytes` into random chunks (sometimes single bytes). */
export function randomChunks(random: Random, bytes: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = int(random, 3) === 0 ? 1 : 1 + int(random, 4096);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}
