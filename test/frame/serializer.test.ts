/**
 * The serializer: the RFC 6455 §5.7 examples byte for byte (with their fixed
 * masking key), and serializer → parser round trips around every length
 * encoding boundary.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Opcode } from '../../src/frame/opcode.js';
import {
  encodeClosePayload, encodeFrame, encodeMessage, frameHeaderSize, MERGE_THRESHOLD, randomMaskKey, writeFrameHeader,
} from '../../src/frame/serializer.js';
import { hex, parseChunks, prng } from '../support/frame-events.js';

const RFC_KEY = hex('37fa213d').readInt32LE(0);

describe('encodeFrame: RFC 6455 §5.7 examples', () => {
  const cases: [string, Buffer[], string][] = [
    ['unmasked text', encodeFrame(Opcode.Text, 'Hello'), '810548656c6c6f'],
    ['masked text', encodeFrame(Opcode.Text, 'Hello', { mask: RFC_KEY }), '818537fa213d7f9f4d5158'],
    ['masked text from bytes', encodeFrame(Opcode.Text, Buffer.from('Hello'), { mask: RFC_KEY }), '818537fa213d7f9f4d5158'],
    ['fragment 1', encodeFrame(Opcode.Text, 'Hel', { fin: false }), '010348656c'],
    ['fragment 2', encodeFrame(Opcode.Continuation, 'lo'), '80026c6f'],
    ['unmasked ping', encodeFrame(Opcode.Ping, 'Hello'), '890548656c6c6f'],
    ['masked pong', encodeFrame(Opcode.Pong, 'Hello', { mask: RFC_KEY }), '8a8537fa213d7f9f4d5158'],
  ];
  for (const [name, chunks, expected] of cases) {
    it(name, () => assert.equal(Buffer.concat(chunks).toString('hex'), expected));
  }
  it('256-byte and 64 KiB binary headers', () => {
    assert.equal(Buffer.concat(encodeFrame(Opcode.Binary, Buffer.alloc(256))).subarray(0, 4).toString('hex'), '827e0100');
    assert.equal(Buffer.concat(encodeFrame(Opcode.Binary, Buffer.alloc(65536))).subarray(0, 10).toString('hex'), '827f0000000000010000');
  });
  it('sets RSV1 when asked', () => {
    assert.equal(Buffer.concat(encodeFrame(Opcode.Text, '', { rsv1: true })).toString('hex'), 'c100');
  });
});

describe('round trips through the parser around the length boundaries', () => {
  const random = prng(42);
  for (const length of [0, 1, 124, 125, 126, 127, 128, 65535, 65536, 65537, 1 << 20]) {
    it(`${length} bytes, binary and text, masked and unmasked`, () => {
      const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      const textPayload = 'é'.repeat(length >> 1) + (length & 1 ? 'x' : '');
      for (const mask of [false, true]) {
        const role = mask ? 'server' : 'client';
        const wire = Buffer.concat(encodeFrame(Opcode.Binary, bytes, { mask }));
        assert.equal(wire.length, frameHeaderSize(length, mask) + length, 'minimal header');
        assert.deepEqual(parseChunks({ role }, [wire]), [{ type: 'message', binary: true, hex: Buffer.from(bytes).toString('hex') }]);
        const textWire = Buffer.concat(encodeFrame(Opcode.Text, textPayload, { mask }));
        assert.deepEqual(parseChunks({ role }, [textWire]), [{ type: 'message', binary: false, hex: Buffer.from(textPayload).toString('hex') }]);
      }
    });
  }

  it('random frames of every opcode and flag survive a round trip in random chunks', () => {
    for (let round = 0; round < 300; round++) {
      const length = Math.floor(random() ** 3 * 70000);
      const payload = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      const mask = random() < 0.5;
      const frames = Buffer.concat([
        ...encodeFrame(Opcode.Ping, payload.subarray(0, 125), { mask }),
        ...encodeMessage(Opcode.Binary, payload, { mask, fragmentSize: 1 + Math.floor(random() * 20000) }),
      ]);
      const cut = Math.floor(random() * frames.length);
      const events = parseChunks({ role: mask ? 'server' : 'client' }, [frames.subarray(0, cut), frames.subarray(cut)]);
      assert.deepEqual(events, [
        { type: 'ping', hex: Buffer.from(payload.subarray(0, 125)).toString('hex') },
        { type: 'message', binary: true, hex: Buffer.from(payload).toString('hex') },
      ]);
    }
  });
});

describe('string payloads', () => {
  it('encode exactly as their UTF-8 bytes would, for every short length, ASCII or not', () => {
    for (let length = 0; length <= 140; length++) {
      for (const text of ['x'.repeat(length), 'é'.repeat(length), 'a'.repeat(Math.max(0, length - 1)) + '€']) {
        for (const mask of [undefined, RFC_KEY]) {
          const options = mask === undefined ? {} : { mask };
          const fromString = Buffer.concat(encodeFrame(Opcode.Text, text, options));
          const fromBytes = Buffer.concat(encodeFrame(Opcode.Text, Buffer.from(text), options));
          assert.deepEqual(fromString, fromBytes, `length ${text.length} masked ${mask !== undefined}`);
        }
      }
    }
  });
});

describe('encodeFrame chunk shapes and ownership', () => {
  it('never modifies the caller\'s bytes when masking', () => {
    const payload = Buffer.alloc(5000, 0x5a);
    encodeFrame(Opcode.Binary, payload, { mask: true });
    assert.ok(payload.every((b) => b === 0x5a));
  });

  it('returns [header, payload] without copying a large unmasked payload', () => {
    const payload = Buffer.alloc(MERGE_THRESHOLD + 1);
    const chunks = encodeFrame(Opcode.Binary, payload);
    assert.equal(chunks.length, 2);
    assert.equal(chunks[1], payload);
  });

  it('merges small unmasked payloads, masked frames, and copy:true into one buffer', () => {
    assert.equal(encodeFrame(Opcode.Binary, Buffer.alloc(MERGE_THRESHOLD)).length, 1);
    assert.equal(encodeFrame(Opcode.Binary, Buffer.alloc(100_000), { mask: true }).length, 1);
    const payload = Buffer.alloc(100_000, 1);
    const [frame] = encodeFrame(Opcode.Binary, payload, { copy: true });
    payload.fill(2);
    assert.ok(frame!.subarray(10).every((b) => b === 1), 'the frame owns a copy');
  });

  it('accepts any Uint8Array view, not only Buffers', () => {
    const view = new Uint8Array(new ArrayBuffer(3000), 500, 2000).fill(7);
    const wire = Buffer.concat(encodeFrame(Opcode.Binary, view));
    assert.equal(wire.length, 4 + 2000);
    assert.ok(wire.subarray(4).every((b) => b === 7));
  });
});

describe('encodeMessage', () => {
  it('fragments into frames of fragmentSize with one opcode then continuations', () => {
    const wire = Buffer.concat(encodeMessage(Opcode.Text, 'abcdefg', { fragmentSize: 3, rsv1: true }));
    // 41 03 "abc" (RSV1, no FIN) | 00 03 "def" | 80 01 "g": RSV1 on the first frame only.
    assert.equal(wire.toString('hex'), '4103616263' + '0003646566' + '800167');
  });
  it('splits multi-byte text by bytes and the parser reassembles it', () => {
    const text = '€€€';
    const wire = Buffer.concat(encodeMessage(Opcode.Text, text, { fragmentSize: 2, mask: true }));
    assert.deepEqual(parseChunks({ role: 'server' }, [wire]), [{ type: 'message', binary: false, hex: Buffer.from(text).toString('hex') }]);
  });
  it('rejects a fragmentSize below 1', () => {
    assert.throws(() => encodeMessage(Opcode.Binary, Buffer.alloc(4), { fragmentSize: 0 }), RangeError);
  });
});

describe('close payloads and headers', () => {
  it('encodes code and reason; 1005 means an empty payload', () => {
    assert.equal(encodeClosePayload(1000, 'bye').toString('hex'), '03e8627965');
    assert.equal(encodeClosePayload(1005).length, 0);
    assert.throws(() => encodeClosePayload(1005, 'x'), RangeError);
    assert.equal(encodeClosePayload(4000, 'é'.repeat(61) + 'x').length, 2 + 123);
    assert.throws(() => encodeClosePayload(4000, 'é'.repeat(62)), /124 bytes/);
  });

  it('writeFrameHeader uses the minimal length encoding', () => {
    for (const [length, size] of [[125, 2], [126, 4], [65535, 4], [65536, 10], [2 ** 32 + 5, 10]] as const) {
      const header = Buffer.alloc(14);
      assert.equal(writeFrameHeader(header, 0, true, false, Opcode.Binary, length, null), size);
    }
    const header = Buffer.alloc(10);
    writeFrameHeader(header, 0, true, false, Opcode.Binary, 2 ** 32 + 5, null);
    assert.equal(header.toString('hex'), '827f0000000100000005');
  });

  it('draws masking keys from the CSPRNG pool: across two pool refills, no key repeats', () => {
    const keys = new Set<number>();
    for (let i = 0; i < 5000; i++) keys.add(randomMaskKey());
    // 5000 random 32-bit values collide with probability ~0.3%; a constant or
    // short-cycle generator would collide at once.
    assert.ok(keys.size >= 4998, `${keys.size} distinct keys`);
  });
});
