/**
 * Masking (RFC 6455 §5.3): byte i of a payload is XORed with byte (i mod 4)
 * of the 32-bit masking key. Masking and unmasking are the same operation.
 *
 * Conventions used throughout src/frame:
 * - A key is a 32-bit integer holding the four key octets in little-endian
 *   order: octet j is `(key >>> (8 * j)) & 0xff`. `buffer.readInt32LE(i)` of the
 *   four key octets on the wire gives exactly this number.
 * - A phase (0–3) says which key octet applies to the first byte processed,
 *   so a payload that arrives in several chunks can be unmasked piece by piece:
 *   after `n` bytes the next phase is `(phase + n) & 3`.
 *
 * Two implementations sit behind {@link maskCopy} and {@link maskInPlace}:
 * a JavaScript loop (always available; used for short payloads where call
 * overhead dominates) and a WebAssembly SIMD kernel (./mask-wasm.ts) for longer
 * ones. Both are tested byte for byte against a naive loop.
 */
import { loadWasmMaskKernel, WASM_MASK_BLOCK_SIZE } from './mask-wasm.js';

/**
 * Payloads shorter than this are masked in JavaScript: below it, the two
 * block copies and the call into WebAssembly cost more than the XOR itself
 * (measured by `npm run bench:frame`, mask table).
 */
export const WASM_MASK_THRESHOLD = 64;

/** Rotate a key so that octet `phase` comes first. */
export function rotateMaskKey(key: number, phase: number): number {
  const shift = (phase & 3) << 3;
  return shift === 0 ? key | 0 : ((key >>> shift) | (key << (32 - shift))) | 0;
}

/**
 * JavaScript implementation of {@link maskCopy}. Works word-at-a-time through
 * `Int32Array` views when source and target share an alignment, byte-at-a-time
 * otherwise. Exported for tests and the benchmark.
 */
export function maskCopyJs(
  source: Uint8Array, start: number, end: number,
  target: Uint8Array, targetOffset: number,
  key: number, phase: number,
): void {
  // The word loop's set-up (byteOffset reads, two views) only pays on longer runs.
  if (end - start < 32 || ((source.byteOffset + start) & 3) !== ((target.byteOffset + targetOffset) & 3)) {
    maskBytes(source, start, end, target, targetOffset, key, phase);
  } else {
    maskWords(source, start, end, target, targetOffset, key, phase);
  }
}

/** Byte loop, four key octets per iteration. */
function maskBytes(
  source: Uint8Array, start: number, end: number,
  target: Uint8Array, targetOffset: number,
  key: number, phase: number,
): void {
  const k = rotateMaskKey(key, phase);
  const k0 = k & 0xff;
  const k1 = (k >>> 8) & 0xff;
  const k2 = (k >>> 16) & 0xff;
  const k3 = k >>> 24;
  let s = start;
  let t = targetOffset;
  for (const limit = end - 3; s < limit; s += 4, t += 4) {
    target[t] = source[s]! ^ k0;
    target[t + 1] = source[s + 1]! ^ k1;
    target[t + 2] = source[s + 2]! ^ k2;
    target[t + 3] = source[s + 3]! ^ k3;
  }
  if (s < end) target[t++] = source[s++]! ^ k0;
  if (s < end) target[t++] = source[s++]! ^ k1;
  if (s < end) target[t] = source[s]! ^ k2;
}

/** Word loop over the aligned middle; source and target must share an alignment. */
function maskWords(
  source: Uint8Array, start: number, end: number,
  target: Uint8Array, targetOffset: number,
  key: number, phase: number,
): void {
  const head = (4 - ((source.byteOffset + start) & 3)) & 3;
  maskBytes(source, start, start + head, target, targetOffset, key, phase);
  phase = (phase + head) & 3;
  const s = start + head;
  const t = targetOffset + head;
  const words = (end - s) >>> 2;
  const src32 = new Int32Array(source.buffer, source.byteOffset + s, words);
  const dst32 = new Int32Array(target.buffer, target.byteOffset + t, words);
  const k = rotateMaskKey(key, phase);
  let i = 0;
  for (const limit = words - 3; i < limit; i += 4) {
    dst32[i] = src32[i]! ^ k;
    dst32[i + 1] = src32[i + 1]! ^ k;
    dst32[i + 2] = src32[i + 2]! ^ k;
    dst32[i + 3] = src32[i + 3]! ^ k;
  }
  for (; i < words; i++) dst32[i] = src32[i]! ^ k;
  const done = words << 2;
  maskBytes(source, s + done, end, target, t + done, key, phase);
}

// The kernel is instantiated on first use, so importing the library costs nothing.
let kernel: ReturnType<typeof loadWasmMaskKernel> | undefined;
let kernelBlock: Uint8Array | undefined; // a cached view of the whole kernel memory

function getKernel(): ReturnType<typeof loadWasmMaskKernel> {
  if (kernel === undefined) {
    kernel = process.env['RFC6455_NO_WASM'] === '1' ? null : loadWasmMaskKernel();
    if (kernel) kernelBlock = kernel.memory.subarray(0, WASM_MASK_BLOCK_SIZE);
  }
  return kernel;
}

/**
 * WebAssembly implementation of {@link maskCopy}: copies each block of up to
 * 64 KiB into the kernel's memory, XORs it there with 128-bit SIMD, and copies
 * it to the target. Returns false (having done nothing) when the kernel is
 * unavailable. Exported for tests and the benchmark.
 */
export function maskCopyWasm(
  source: Uint8Array, start: number, end: number,
  target: Uint8Array, targetOffset: number,
  key: number, phase: number,
): boolean {
  const wasm = getKernel();
  if (wasm === null) return false;
  const memory = wasm.memory;
  // Every block but the last is a multiple of 4 bytes long, so one rotation serves all.
  const k = rotateMaskKey(key, phase);
  while (start < end) {
    const n = Math.min(WASM_MASK_BLOCK_SIZE, end - start);
    memory.set(start === 0 && n === source.length ? source : source.subarray(start, start + n), 0);
    wasm.xorKey(0, n, k);
    target.set(n === WASM_MASK_BLOCK_SIZE ? kernelBlock! : memory.subarray(0, n), targetOffset);
    start += n;
    targetOffset += n;
  }
  return true;
}

/**
 * Write `source[start, end)` XOR the key into `target` at `targetOffset`.
 * The source is not modified. `source` and `target` may be the same buffer
 * only when the two ranges coincide exactly (that is {@link maskInPlace}).
 *
 * @param key the masking key, little-endian (see the module comment)
 * @param phase which key octet applies to `source[start]` (0–3); default 0
 */
export function maskCopy(
  source: Uint8Array, start: number, end: number,
  target: Uint8Array, targetOffset: number,
  key: number, phase = 0,
): void {
  if (end - start < WASM_MASK_THRESHOLD || !maskCopyWasm(source, start, end, target, targetOffset, key, phase)) {
    maskCopyJs(source, start, end, target, targetOffset, key, phase);
  }
}

/**
 * XOR `buffer[start, end)` with the key, in place. Used to unmask received
 * payloads inside the chunk the parser owns.
 *
 * @param phase which key octet applies to `buffer[start]` (0–3); default 0
 */
export function maskInPlace(buffer: Uint8Array, start: number, end: number, key: number, phase = 0): void {
  maskCopy(buffer, start, end, buffer, start, key, phase);
}
