/**
 * Bounded fuzzing of the frame parser: random and mutated streams, fed whole
 * and in random chunks. Every input must end in events or exactly one
 * protocol error with a legal close code — never an exception — and the
 * result must not depend on how the input was chunked.
 */
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, it } from 'node:test';
import { type FrameEvent, mergeCompressedPieces, parseChunks, prng } from '../support/frame-events.js';
import { mutate, randomChunks, validTraffic } from '../support/frame-mutator.js';

const ITERATIONS = 2000;
const TIME_BUDGET_MS = 4000;
const MAX_PAYLOAD = 32 * 1024;

function checkInvariants(events: FrameEvent[], context: string): void {
  let ended = false;
  for (const [i, event] of events.entries()) {
    assert.ok(!ended, `${context}: event after close or error at ${i}`);
    if (event.type === 'error') {
      assert.ok([1002, 1007, 1009].includes(event.closeCode), `${context}: close code ${event.closeCode}`);
      ended = true;
    } else if (event.type === 'close') {
      ended = true;
    } else if (event.type === 'message') {
      const data = Buffer.from(event.hex, 'hex');
      assert.ok(data.length <= MAX_PAYLOAD, `${context}: message over maxPayload`);
      if (!event.binary) assert.ok(isUtf8(data), `${context}: invalid UTF-8 delivered`);
    }
  }
}

describe('frame parser fuzzing (bounded)', () => {
  for (const role of ['server', 'client'] as const) {
    it(`${role} role: mutated traffic never throws and is chunking-invariant`, () => {
      const seed = 0x6455_0000 + (role === 'server' ? 1 : 2);
      const random = prng(seed);
      const deadline = Date.now() + TIME_BUDGET_MS;
      let runs = 0;
      let errors = 0;
      for (; runs < ITERATIONS && Date.now() < deadline; runs++) {
        const clean = validTraffic(random, role === 'server');
        const input = random() < 0.9 ? mutate(random, clean) : clean;
        const context = `seed ${seed} run ${runs}`;
        const options = { role, maxPayload: MAX_PAYLOAD, allowRsv1: random() < 0.3 };
        const whole = mergeCompressedPieces(parseChunks(options, [input]));
        checkInvariants(whole, context);
        const chunked = mergeCompressedPieces(parseChunks(options, randomChunks(random, input)));
        assert.deepEqual(chunked, whole, `${context}: chunking changed the result`);
        if (whole.some((e) => e.type === 'error')) errors++;
      }
      assert.ok(runs >= 200, `only ${runs} runs completed in the time budget`);
      // The mutations must actually exercise the error paths.
      assert.ok(errors > runs / 4, `only ${errors} of ${runs} inputs hit a protocol error`);
    });
  }
});
