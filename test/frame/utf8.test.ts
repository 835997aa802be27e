/**
 * UTF-8 validation (RFC 3629 via RFC 6455 §8.1): the incremental validator
 * must agree with the native one on every split of every input, and reject
 * an impossible prefix at its first bad byte.
 */
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, it } from 'node:test';
import { isValidUtf8, Utf8Validator } from '../../src/frame/utf8.js';
import { hex, prng } from '../support/frame-events.js';

/** Validate `bytes` fed in the given piece sizes; returns the verdict. */
function validateInPieces(bytes: Uint8Array, cuts: number[]): boolean {
  const validator = new Utf8Validator();
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (!validator.push(bytes, at, cut)) return false;
    at = cut;
  }
  return validator.finish();
}

// Markus Kuhn's UTF-8 decoder stress test, the rows Autobahn section 6 draws on.
const valid = [
  '', '48656c6c6f', 'cebae1bdb9cf83cebcceb5', // κόσμε
  '00', 'c280', 'e0a080', 'f0908080', // first of each length
  '7f', 'dfbf', 'efbfbf', 'f48fbfbf', // last of each length (U+10FFFF)
  'ed9fbf', 'ee8080', 'efbfbd', // around the surrogates
  'efbfbe', 'efbfbf', // noncharacters are valid UTF-8
];
const invalid = [
  '80', 'bf', '80bf', // unexpected continuation bytes
  'c0', 'c0af', 'e080af', 'f08080af', // overlong "/"
  'c1bf', 'e09fbf', 'f08fbfbf', // overlong maximum
  'eda080', 'edadbf', 'edbfbf', 'eda080edb080', // surrogates
  'f4908080', 'f7bfbfbf', 'f888808080', 'fc8480808080', // beyond U+10FFFF, 5/6-byte forms
  'fe', 'ff', 'fefeffff',
  'c220', 'e080', 'e0a0', 'f0', 'f09080', // truncated sequences
  'cebae1bdb9cf83cebcceb5eda080656469746564', // κόσμε + surrogate
];

describe('UTF-8 validation', () => {
  it('the classic valid and invalid sequences, whole and split at every offset', () => {
    for (const [list, expected] of [[valid, true], [invalid, false]] as const) {
      for (const sample of list) {
        const bytes = hex(sample);
        assert.equal(isValidUtf8(bytes), expected, `isValidUtf8 ${sample}`);
        assert.equal(validateInPieces(bytes, []), expected, `whole ${sample}`);
        for (let at = 0; at <= bytes.length; at++) assert.equal(validateInPieces(bytes, [at]), expected, `${sample} cut at ${at}`);
        assert.equal(validateInPieces(bytes, Array.from({ length: bytes.length }, (_, i) => i)), expected, `${sample} byte by byte`);
      }
    }
  });

  it('agrees with the native validator on random text split at random points', () => {
    const random = prng(8);
    const alphabet = ['a', 'é', '€', '𝄞', 'ü', '\u0000', '\uffff', '中'];
    for (let round = 0; round < 500; round++) {
      let s = '';
      const n = Math.floor(random() * 40);
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(random() * alphabet.length)];
      const bytes = Buffer.from(s);
      // Corrupt one byte in half the rounds.
      if (round % 2 === 1 && bytes.length > 0) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const cuts = Array.from({ length: 3 }, () => Math.floor(random() * (bytes.length + 1))).sort((a, b) => a - b);
      assert.equal(validateInPieces(bytes, cuts), isUtf8(bytes), `${bytes.toString('hex')} cut at ${cuts}`);
    }
  });

  it('rejects an impossible prefix at its first bad byte, before the code point is complete', () => {
    for (const [prefix, badAt] of [['f490', 1], ['eda0', 1], ['e080', 1], ['f080', 1], ['c0', 0], ['f5', 0], ['ce41', 1]] as const) {
      const bytes = hex(prefix);
      const validator = new Utf8Validator();
      for (let i = 0; i < bytes.length; i++) {
        assert.equal(validator.push(bytes, i, i + 1), i < badAt, `${prefix} byte ${i}`);
        if (i >= badAt) break;
      }
    }
  });

  it('accepts a valid prefix but reports the message incomplete at finish()', () => {
    const validator = new Utf8Validator();
    assert.equal(validator.push(hex('f09f98'), 0, 3), true);
    assert.equal(validator.finish(), false);
    // finish() resets: the next message starts clean.
    assert.equal(validator.push(hex('41'), 0, 1), true);
    assert.equal(validator.finish(), true);
  });
});
