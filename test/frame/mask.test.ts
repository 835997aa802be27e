/**
 * Masking (RFC 6455 §5.3): both implementations against the naive definition,
 * for every short length, every key phase and every alignment of source and
 * target, plus the block boundaries of the WebAssembly kernel.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskCopy, maskCopyJs, maskCopyWasm, maskInPlace, rotateMaskKey } from '../../src/frame/mask.js';
import { WASM_MASK_BLOCK_SIZE } from '../../src/frame/mask-wasm.js';
import { prng } from '../support/frame-events.js';

/** The definition: octet i of the payload XOR octet ((phase + i) mod 4) of the key. */
function naiveMask(source: Uint8Array, key: number, phase: number): Uint8Array {
  return source.map((b, i) => b ^ ((key >>> (((phase + i) & 3) * 8)) & 0xff));
}

const random = prng(0x6455);
const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
const KEY = 0x3d21fa37 | 0; // octets 37 fa 21 3d

type MaskCopy = typeof maskCopyJs;
const implementations: [string, MaskCopy][] = [
  ['JavaScript', maskCopyJs],
  ['WebAssembly', (s, a, b, t, o, k, p) => assert.ok(maskCopyWasm(s, a, b, t, o, k, p), 'WebAssembly SIMD must be available on Node 20')],
  ['dispatching maskCopy', maskCopy],
];

describe('masking', () => {
  it('rotateMaskKey moves octet `phase` to the front', () => {
    assert.equal(rotateMaskKey(0x44332211, 0), 0x44332211);
    assert.equal(rotateMaskKey(0x44332211, 1) >>> 0, 0x11443322);
    assert.equal(rotateMaskKey(0x44332211, 2) >>> 0, 0x22114433);
    assert.equal(rotateMaskKey(0x44332211, 3) >>> 0, 0x33221144);
  });

  for (const [name, impl] of implementations) {
    it(`${name}: every length 0..300 × phase × source and target alignment`, () => {
      const backing = randomBytes(300 + 8);
      for (let length = 0; length <= 300; length++) {
        for (let phase = 0; phase < 4; phase++) {
          for (let srcAlign = 0; srcAlign < 4; srcAlign++) {
            const source = backing.subarray(srcAlign, srcAlign + length);
            const expected = naiveMask(source, KEY, phase);
            for (let dstAlign = 0; dstAlign < 4; dstAlign += srcAlign === 0 ? 1 : 3) {
              const target = new Uint8Array(length + 8).fill(0xee);
              impl(source, 0, length, target, dstAlign, KEY, phase);
              assert.deepEqual(target.subarray(dstAlign, dstAlign + length), expected, `len ${length} phase ${phase} src+${srcAlign} dst+${dstAlign}`);
              // Nothing outside the target range is written.
              assert.ok(target.subarray(0, dstAlign).every((b) => b === 0xee));
              assert.ok(target.subarray(dstAlign + length).every((b) => b === 0xee));
            }
          }
        }
      }
    });

    it(`${name}: sizes around the WebAssembly block size, with start offsets`, () => {
      for (const length of [WASM_MASK_BLOCK_SIZE - 1, WASM_MASK_BLOCK_SIZE, WASM_MASK_BLOCK_SIZE + 1, 3 * WASM_MASK_BLOCK_SIZE + 5]) {
        const source = randomBytes(length + 3);
        for (const start of [0, 3]) {
          const phase = (start + length) & 3;
          const target = new Uint8Array(length + 2);
          impl(source, start, start + length, target, 1, KEY, phase);
          assert.deepEqual(target.subarray(1, 1 + length), naiveMask(source.subarray(start, start + length), KEY, phase), `length ${length} start ${start}`);
        }
      }
    });
  }

  it('leaves the source untouched', () => {
    const source = randomBytes(1000);
    const copy = source.slice();
    maskCopy(source, 0, source.length, new Uint8Array(1000), 0, KEY);
    assert.deepEqual(source, copy);
  });

  it('maskInPlace twice restores the data, and unmasking in pieces equals unmasking at once', () => {
    const data = randomBytes(5000);
    const original = data.slice();
    maskInPlace(data, 0, data.length, KEY);
    assert.deepEqual(data, naiveMask(original, KEY, 0));
    // Resume mid-payload: pieces of 1, 7, 100 and the rest, carrying the phase.
    let at = 0;
    let phase = 0;
    for (const size of [1, 7, 100, data.length - 108]) {
      maskInPlace(data, at, at + size, KEY, phase);
      at += size;
      phase = (phase + size) & 3;
    }
    assert.deepEqual(data, original);
  });
});
