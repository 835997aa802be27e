/**
 * DeflateWindow keeps exactly the last `capacity` bytes it was given, in
 * order, however the bytes arrive (RFC 7692 §7.2.2: the window a new DEFLATE
 * stream starts with after a BFINAL block).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeflateWindow } from '../../src/socket/deflate-window.js';
import { prng } from '../support/frame-events.js';

describe('DeflateWindow', () => {
  it('is empty until something is appended', () => {
    const window = new DeflateWindow(512);
    assert.equal(window.length, 0);
    assert.deepEqual(window.contents(), Buffer.alloc(0));
  });

  it('a chunk larger than the window keeps only its tail', () => {
    const window = new DeflateWindow(4);
    window.append(Buffer.from('abc'));
    window.append(Buffer.from('defghij'));
    assert.equal(window.contents().toString(), 'ghij');
  });

  it('wraps around and still returns the bytes oldest first', () => {
    const window = new DeflateWindow(8);
    for (const part of ['abcde', 'fgh', 'ijk', 'l']) window.append(Buffer.from(part));
    assert.equal(window.contents().toString(), 'efghijkl');
  });

  for (const capacity of [512, 1 << 15]) {
    it(`property: after any sequence of chunks it holds the last ${capacity} bytes of their concatenation`, () => {
      for (let seed = 1; seed <= 40; seed++) {
        const random = prng(seed);
        const window = new DeflateWindow(capacity);
        const all: Buffer[] = [];
        const chunks = 1 + Math.floor(random() * 60);
        for (let i = 0; i < chunks; i++) {
          // Mostly small chunks, sometimes one bigger than the window.
          const size = random() < 0.1 ? Math.floor(random() * capacity * 2) : Math.floor(random() * 300);
          const chunk = Buffer.alloc(size);
          for (let j = 0; j < size; j++) chunk[j] = Math.floor(random() * 256);
          window.append(chunk);
          all.push(chunk);
          const joined = Buffer.concat(all);
          const expected = joined.subarray(Math.max(0, joined.length - capacity));
          assert.equal(window.length, expected.length, `seed ${seed}, chunk ${i}`);
          assert.ok(window.contents().equals(expected), `seed ${seed}, chunk ${i}`);
        }
      }
    });
  }
});
