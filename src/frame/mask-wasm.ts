/**
 * The WebAssembly SIMD masking kernel, assembled here from named opcodes.
 *
 * Why WebAssembly: masking is the one per-byte operation on the hot path, and
 * plain JavaScript tops out at one 32-bit XOR per step (about 7 GB/s on the
 * reference machine), while a 128-bit SIMD loop runs at cache speed. WebAssembly
 * can only touch its own linear memory, so callers copy a block in, call
 * {@link WasmMaskKernel.xorKey}, and copy it out; both copies are memcpy-fast
 * and stay in cache for blocks of {@link WASM_MASK_BLOCK_SIZE} bytes.
 *
 * The module is small enough to read. In text format it is:
 *
 * ```wat
 * (module
 *   (memory (export "memory") 1)            ;; one 64 KiB page, never grown
 *   (func (export "xorKey") (param $p i32) (param $n i32) (param $k i32)
 *     (local $end i32) (local $kv v128)
 *     (local.set $kv (i32x4.splat (local.get $k)))
 *     ;; 64 bytes per iteration: four unaligned v128 load/xor/store
 *     (local.set $end (i32.add (local.get $p) (i32.and (local.get $n) (i32.const -64))))
 *     (block (loop
 *       (br_if 1 (i32.ge_u (local.get $p) (local.get $end)))
 *       ... four times: (v128.store offset=o (local.get $p)
 *                         (v128.xor (v128.load offset=o (local.get $p)) (local.get $kv)))
 *       (local.set $p (i32.add (local.get $p) (i32.const 64)))
 *       (br 0)))
 *     ;; then the same loop shape for 16-byte, 4-byte and 1-byte steps; the key
 *     ;; stays in phase because every wider step is a multiple of 4 bytes, and the
 *     ;; last 0–3 bytes shift the key right by 8 bits per byte.
 *   ))
 * ```
 *
 * If WebAssembly or its SIMD proposal is unavailable (`--jitless`, old engines),
 * {@link loadWasmMaskKernel} returns `null` and the JavaScript path is used.
 */

/** Bytes of the kernel's memory, and so the largest block one call can mask. */
export const WASM_MASK_BLOCK_SIZE = 65536;

/** The instantiated kernel: its memory as bytes, and the XOR entry point. */
export interface WasmMaskKernel {
  /** The kernel's linear memory (exactly {@link WASM_MASK_BLOCK_SIZE} bytes). */
  readonly memory: Uint8Array;
  /**
   * XOR `length` bytes of `memory` starting at `offset` with the repeating
   * little-endian 32-bit `key` (byte 0 of the region gets `key & 0xff`).
   */
  readonly xorKey: (offset: number, length: number, key: number) => void;
}

// ---- a minimal assembler: just the encodings this module needs -------------

function unsignedLeb128(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function signedLeb128(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const signBitClear = (byte & 0x40) === 0;
    if ((value === 0 && signBitClear) || (value === -1 && !signBitClear)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function vector(items: readonly number[][]): number[] {
  return [...unsignedLeb128(items.length), ...items.flat()];
}

function section(id: number, contents: number[]): number[] {
  return [id, ...unsignedLeb128(contents.length), ...contents];
}

function name(text: string): number[] {
  return vector([...text].map((c) => [c.charCodeAt(0)]));
}

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: [0x02, 0x40], // block with empty result type
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  localGet: (index: number) => [0x20, index],
  localSet: (index: number) => [0x21, index],
  i32Const: (value: number) => [0x41, ...signedLeb128(value)],
  i32Load: [0x28, 2, 0], // align 2^2, offset 0
  i32Load8U: [0x2d, 0, 0],
  i32Store: [0x36, 2, 0],
  i32Store8: [0x3a, 0, 0],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32And: [0x71],
  i32Xor: [0x73],
  i32ShrU: [0x76],
  v128Load: (offset: number) => [0xfd, 0x00, 0, ...unsignedLeb128(offset)], // align 1: unaligned is fine
  v128Store: (offset: number) => [0xfd, 0x0b, 0, ...unsignedLeb128(offset)],
  i32x4Splat: [0xfd, 0x11],
  v128Xor: [0xfd, 0x51],
};

// Parameter and local indices of xorKey.
const P = 0; // current address
const N = 1; // total length
const K = 2; // key, rotated right by 8 bits per tail byte
const END = 3; // end address of the current loop
const KV = 4; // the key splatted to all four lanes

/** `end += n & stepMask` then `while (p < end) { body; p += step }`. */
function steppedLoop(stepMask: number, step: number, body: number[]): number[] {
  return [
    ...op.localGet(END), ...op.localGet(N), ...op.i32Const(stepMask), ...op.i32And, ...op.i32Add, ...op.localSet(END),
    ...op.block, ...op.loop,
    ...op.localGet(P), ...op.localGet(END), ...op.i32GeU, ...op.brIf(1),
    ...body,
    ...op.localGet(P), ...op.i32Const(step), ...op.i32Add, ...op.localSet(P),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

function xorVectorAt(offset: number): number[] {
  return [
    ...op.localGet(P),
    ...op.localGet(P), ...op.v128Load(offset), ...op.localGet(KV), ...op.v128Xor,
    ...op.v128Store(offset),
  ];
}

function xorKeyBody(): number[] {
  return [
    ...op.localGet(K), ...op.i32x4Splat, ...op.localSet(KV),
    ...op.localGet(P), ...op.localSet(END),
    // 64-byte steps over n & ~63, then 16-byte steps over (n & 63) & ~15, ...
    ...steppedLoop(-64, 64, [...xorVectorAt(0), ...xorVectorAt(16), ...xorVectorAt(32), ...xorVectorAt(48)]),
    ...steppedLoop(48, 16, xorVectorAt(0)),
    ...steppedLoop(12, 4, [
      ...op.localGet(P),
      ...op.localGet(P), ...op.i32Load, ...op.localGet(K), ...op.i32Xor,
      ...op.i32Store,
    ]),
    ...steppedLoop(3, 1, [
      ...op.localGet(P),
      ...op.localGet(P), ...op.i32Load8U, ...op.localGet(K), ...op.i32Xor,
      ...op.i32Store8,
      ...op.localGet(K), ...op.i32Const(8), ...op.i32ShrU, ...op.localSet(K),
    ]),
    ...op.end,
  ];
}

/** The complete module binary (WebAssembly 1.0 plus the fixed-width SIMD proposal). */
export function assembleMaskModule(): Uint8Array {
  const body = [...vector([[1, I32], [1, V128]]), ...xorKeyBody()];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, // "\0asm"
    0x01, 0x00, 0x00, 0x00, // version 1
    ...section(1, vector([[0x60, ...vector([[I32], [I32], [I32]]), 0]])), // type: (i32 i32 i32) -> ()
    ...section(3, vector([[0]])), // function 0 has type 0
    ...section(5, vector([[0x01, 1, 1]])), // memory: min 1 page, max 1 page
    ...section(7, vector([[...name('xorKey'), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vector([[...unsignedLeb128(body.length), ...body]])),
  ]);
}

/**
 * Compile and instantiate the kernel synchronously (the module is a few
 * hundred bytes, well under the size engines allow to compile on the main
 * thread). Returns `null` when WebAssembly SIMD is not available.
 */
export function loadWasmMaskKernel(): WasmMaskKernel | null {
  const wasm = (globalThis as { WebAssembly?: MinimalWebAssembly }).WebAssembly;
  try {
    if (wasm === undefined) return null;
    const bytes = assembleMaskModule();
    if (!wasm.validate(bytes)) return null;
    const { exports } = new wasm.Instance(new wasm.Module(bytes));
    return { memory: new Uint8Array(exports.memory.buffer), xorKey: exports.xorKey };
  } catch {
    return null;
  }
}

/**
 * The slice of the WebAssembly JS API used here. Declared locally because the
 * Node 20 type definitions do not include the `WebAssembly` global.
 */
interface MinimalWebAssembly {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => {
    exports: { memory: { buffer: ArrayBuffer }; xorKey: WasmMaskKernel['xorKey'] };
  };
}
