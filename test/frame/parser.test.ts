/**
 * FrameParser: RFC 6455 §5 rules as byte fixtures. Every fixture is parsed
 * whole, split at every offset, and one byte at a time; all must agree.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameParser, type FrameParserOptions } from '../../src/frame/parser.js';
import { type FrameEvent, hex, mergeCompressedPieces, parseChunks, rawFrame, recordingParser, splits } from '../support/frame-events.js';

const KEY = [0x37, 0xfa, 0x21, 0x3d] as const; // the masking key of RFC 6455 §5.7
const server: FrameParserOptions = { role: 'server' };
const client: FrameParserOptions = { role: 'client' };

interface Fixture {
  name: string;
  options: FrameParserOptions;
  bytes: Buffer;
  expect: FrameEvent[];
}

const text = (s: string): FrameEvent => ({ type: 'message', binary: false, hex: Buffer.from(s).toString('hex') });
const binary = (b: Uint8Array): FrameEvent => ({ type: 'message', binary: true, hex: Buffer.from(b).toString('hex') });
const error = (code: string, closeCode: number): FrameEvent => ({ type: 'error', code, closeCode });
const masked = (o: Parameters<typeof rawFrame>[0]) => rawFrame({ maskKey: KEY, ...o });

function assertChunkingInvariant(fixture: Fixture): void {
  const whole = mergeCompressedPieces(parseChunks(fixture.options, [fixture.bytes]));
  assert.deepEqual(whole, fixture.expect, `${fixture.name}: whole`);
  for (const chunks of splits(fixture.bytes)) {
    const events = mergeCompressedPieces(parseChunks(fixture.options, chunks));
    assert.deepEqual(events, fixture.expect, `${fixture.name}: split into ${chunks.map((c) => c.length).join('+')}`);
  }
}

describe('RFC 6455 §5.7 examples', () => {
  const bytes256 = Buffer.alloc(256, 0xab);
  const bytes64k = Buffer.alloc(65536).map((_, i) => i & 0xff);
  const fixtures: Fixture[] = [
    { name: 'single-frame unmasked text', options: client, bytes: hex('81 05 48 65 6c 6c 6f'), expect: [text('Hello')] },
    { name: 'single-frame masked text', options: server, bytes: hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), expect: [text('Hello')] },
    { name: 'fragmented unmasked text', options: client, bytes: hex('01 03 48 65 6c 80 02 6c 6f'), expect: [text('Hello')] },
    { name: 'unmasked ping', options: client, bytes: hex('89 05 48 65 6c 6c 6f'), expect: [{ type: 'ping', hex: '48656c6c6f' }] },
    { name: 'masked pong', options: server, bytes: hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'), expect: [{ type: 'pong', hex: '48656c6c6f' }] },
    { name: '256 bytes binary, 16-bit length', options: client, bytes: Buffer.concat([hex('82 7e 01 00'), bytes256]), expect: [binary(bytes256)] },
    { name: '64 KiB binary, 64-bit length', options: client, bytes: Buffer.concat([hex('82 7f 00 00 00 00 00 01 00 00'), bytes64k]), expect: [binary(bytes64k)] },
  ];
  for (const fixture of fixtures.slice(0, 5)) it(fixture.name, () => assertChunkingInvariant(fixture));
  for (const fixture of fixtures.slice(5)) {
    it(fixture.name, () => {
      // Splitting 64 KiB at every offset would be slow; whole, a sample of cuts, and byte-wise.
      assert.deepEqual(parseChunks(fixture.options, [fixture.bytes]), fixture.expect);
      for (const at of [1, 2, 3, 4, 9, 10, 11, 100, fixture.bytes.length - 1]) {
        assert.deepEqual(parseChunks(fixture.options, [fixture.bytes.subarray(0, at), fixture.bytes.subarray(at)]), fixture.expect);
      }
      assert.deepEqual(parseChunks(fixture.options, Array.from(fixture.bytes, (b) => Uint8Array.of(b))), fixture.expect);
    });
  }
});

describe('valid frame sequences', () => {
  const fixtures: Fixture[] = [
    { name: 'empty text message', options: server, bytes: masked({ opcode: 1 }), expect: [text('')] },
    { name: 'empty binary message', options: client, bytes: rawFrame({ opcode: 2 }), expect: [binary(new Uint8Array())] },
    {
      name: 'control frames between fragments (§5.4: "Control frames MAY be injected in the middle")',
      options: server,
      bytes: Buffer.concat([
        masked({ fin: false, opcode: 1, payload: 'Hel' }),
        masked({ opcode: 9, payload: 'p1' }),
        masked({ fin: false, opcode: 0, payload: 'l' }),
        masked({ opcode: 10, payload: '' }),
        masked({ opcode: 0, payload: 'o' }),
      ]),
      expect: [{ type: 'ping', hex: '7031' }, { type: 'pong', hex: '' }, text('Hello')],
    },
    {
      name: 'fragmented binary message with empty fragments',
      options: client,
      bytes: Buffer.concat([
        rawFrame({ fin: false, opcode: 2 }),
        rawFrame({ fin: false, opcode: 0, payload: Uint8Array.of(1, 2) }),
        rawFrame({ fin: false, opcode: 0 }),
        rawFrame({ opcode: 0, payload: Uint8Array.of(3) }),
      ]),
      expect: [binary(Uint8Array.of(1, 2, 3))],
    },
    {
      name: 'fragmented message whose fragments are all empty but the last',
      options: server,
      bytes: Buffer.concat([masked({ fin: false, opcode: 1 }), masked({ fin: false, opcode: 0 }), masked({ opcode: 0, payload: 'x' })]),
      expect: [text('x')],
    },
    {
      name: 'multi-byte code point split across fragments (§5.6: valid once reassembled)',
      options: server,
      bytes: Buffer.concat([
        masked({ fin: false, opcode: 1, payload: Buffer.from('κό').subarray(0, 3) }),
        masked({ opcode: 0, payload: Buffer.from('κό').subarray(3) }),
      ]),
      expect: [text('κό')],
    },
    {
      name: 'non-minimal length encoding is accepted (16-bit length for 5 bytes)',
      options: client,
      bytes: rawFrame({ opcode: 1, payload: 'Hello', lengthEncoding: 16 }),
      expect: [text('Hello')],
    },
    {
      name: 'non-minimal length encoding is accepted (64-bit length for 5 bytes)',
      options: server,
      bytes: masked({ opcode: 2, payload: 'Hello', lengthEncoding: 64 }),
      expect: [binary(Buffer.from('Hello'))],
    },
    { name: 'close without payload reports 1005', options: server, bytes: masked({ opcode: 8 }), expect: [{ type: 'close', code: 1005, reason: '' }] },
    {
      name: 'close with code and UTF-8 reason',
      options: client,
      bytes: rawFrame({ opcode: 8, payload: Buffer.concat([hex('03e8'), Buffer.from('bye ✓')]) }),
      expect: [{ type: 'close', code: 1000, reason: 'bye ✓' }],
    },
    {
      name: 'close with a 123-byte reason (the maximum)',
      options: server,
      bytes: masked({ opcode: 8, payload: Buffer.concat([hex('0bb8'), Buffer.alloc(123, 0x61)]) }),
      expect: [{ type: 'close', code: 3000, reason: 'a'.repeat(123) }],
    },
    {
      name: 'everything after a close frame is ignored (§5.5.1)',
      options: server,
      bytes: Buffer.concat([masked({ opcode: 8, payload: hex('03e8') }), masked({ opcode: 1, payload: 'late' }), hex('ff ff ff')]),
      expect: [{ type: 'close', code: 1000, reason: '' }],
    },
    {
      name: 'ping with 125-byte payload (the maximum)',
      options: client,
      bytes: rawFrame({ opcode: 9, payload: Buffer.alloc(125, 7) }),
      expect: [{ type: 'ping', hex: Buffer.alloc(125, 7).toString('hex') }],
    },
  ];
  for (const fixture of fixtures) it(fixture.name, () => assertChunkingInvariant(fixture));

  it('accepts every close code RFC 6455 §7.4 and the IANA registry allow', () => {
    for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]) {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code);
      assert.deepEqual(parseChunks(server, [masked({ opcode: 8, payload })]), [{ type: 'close', code, reason: '' }], `code ${code}`);
    }
  });
});

describe('protocol violations fail with the right close code', () => {
  const tooLongClose = Buffer.concat([hex('03e8'), Buffer.alloc(124, 0x61)]);
  const fixtures: Fixture[] = [
    // §5.2 RSV bits
    { name: 'RSV1 without an extension', options: server, bytes: masked({ rsv: 4, opcode: 1, payload: 'x' }), expect: [error('WS_ERR_UNEXPECTED_RSV_1', 1002)] },
    { name: 'RSV2', options: server, bytes: masked({ rsv: 2, opcode: 1, payload: 'x' }), expect: [error('WS_ERR_UNEXPECTED_RSV_2', 1002)] },
    { name: 'RSV3', options: client, bytes: rawFrame({ rsv: 1, opcode: 2 }), expect: [error('WS_ERR_UNEXPECTED_RSV_3', 1002)] },
    { name: 'RSV1 on a control frame even with permessage-deflate', options: { role: 'server', allowRsv1: true }, bytes: masked({ rsv: 4, opcode: 9 }), expect: [error('WS_ERR_UNEXPECTED_RSV_1', 1002)] },
    {
      name: 'RSV1 on a continuation frame even with permessage-deflate',
      options: { role: 'server', allowRsv1: true },
      bytes: Buffer.concat([masked({ fin: false, opcode: 2, payload: 'a' }), masked({ rsv: 4, opcode: 0, payload: 'b' })]),
      expect: [error('WS_ERR_UNEXPECTED_RSV_1', 1002)],
    },
    // §5.2 reserved opcodes
    ...[3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf].map((opcode): Fixture => ({
      name: `reserved opcode 0x${opcode.toString(16)}`, options: server, bytes: masked({ opcode }), expect: [error('WS_ERR_INVALID_OPCODE', 1002)],
    })),
    // §5.5 control frames
    { name: 'fragmented ping', options: server, bytes: masked({ fin: false, opcode: 9, payload: 'x' }), expect: [error('WS_ERR_FRAGMENTED_CONTROL_FRAME', 1002)] },
    { name: 'fragmented close', options: client, bytes: rawFrame({ fin: false, opcode: 8 }), expect: [error('WS_ERR_FRAGMENTED_CONTROL_FRAME', 1002)] },
    { name: 'ping with 126-byte payload', options: server, bytes: masked({ opcode: 9, payload: Buffer.alloc(126) }), expect: [error('WS_ERR_CONTROL_FRAME_TOO_LARGE', 1002)] },
    { name: 'pong with 64-bit length', options: client, bytes: rawFrame({ opcode: 10, payload: 'x', lengthEncoding: 64 }), expect: [error('WS_ERR_CONTROL_FRAME_TOO_LARGE', 1002)] },
    { name: 'close with 124-byte reason (126-byte payload)', options: server, bytes: masked({ opcode: 8, payload: tooLongClose }), expect: [error('WS_ERR_CONTROL_FRAME_TOO_LARGE', 1002)] },
    // §5.4 fragmentation
    { name: 'continuation without a started message', options: server, bytes: masked({ opcode: 0, payload: 'x' }), expect: [error('WS_ERR_UNEXPECTED_CONTINUATION', 1002)] },
    {
      name: 'new text frame while a fragmented message is open',
      options: server,
      bytes: Buffer.concat([masked({ fin: false, opcode: 1, payload: 'a' }), masked({ opcode: 1, payload: 'b' })]),
      expect: [error('WS_ERR_EXPECTED_CONTINUATION', 1002)],
    },
    {
      name: 'continuation after a completed message',
      options: client,
      bytes: Buffer.concat([rawFrame({ opcode: 1, payload: 'a' }), rawFrame({ opcode: 0, payload: 'b' })]),
      expect: [text('a'), error('WS_ERR_UNEXPECTED_CONTINUATION', 1002)],
    },
    // §5.1 masking
    { name: 'unmasked frame from a client', options: server, bytes: rawFrame({ opcode: 1, payload: 'x' }), expect: [error('WS_ERR_EXPECTED_MASK', 1002)] },
    { name: 'masked frame from a server', options: client, bytes: masked({ opcode: 1, payload: 'x' }), expect: [error('WS_ERR_UNEXPECTED_MASK', 1002)] },
    // §5.2 64-bit length
    { name: '64-bit length with the top bit set', options: client, bytes: hex('82 7f 80 00 00 00 00 00 00 01 00'), expect: [error('WS_ERR_INVALID_LENGTH', 1002)] },
    // limits
    { name: 'frame over maxPayload', options: { role: 'client', maxPayload: 4 }, bytes: rawFrame({ opcode: 2, payload: 'Hello' }), expect: [error('WS_ERR_MESSAGE_TOO_BIG', 1009)] },
    {
      name: 'fragmented message over maxPayload',
      options: { role: 'server', maxPayload: 4 },
      bytes: Buffer.concat([masked({ fin: false, opcode: 1, payload: 'Hel' }), masked({ opcode: 0, payload: 'lo' })]),
      expect: [error('WS_ERR_MESSAGE_TOO_BIG', 1009)],
    },
    { name: '64-bit length of 2^53', options: client, bytes: hex('82 7f 00 20 00 00 00 00 00 00'), expect: [error('WS_ERR_MESSAGE_TOO_BIG', 1009)] },
    // §5.5.1 close payload
    { name: 'close with a 1-byte payload', options: server, bytes: masked({ opcode: 8, payload: hex('03') }), expect: [error('WS_ERR_INVALID_CLOSE_PAYLOAD', 1002)] },
    ...[0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535].map((code): Fixture => {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code);
      return { name: `close code ${code}`, options: server, bytes: masked({ opcode: 8, payload }), expect: [error('WS_ERR_INVALID_CLOSE_CODE', 1002)] };
    }),
    { name: 'close reason not UTF-8', options: server, bytes: masked({ opcode: 8, payload: hex('03e8 ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64') }), expect: [error('WS_ERR_INVALID_UTF8', 1007)] },
    // §8.1 UTF-8
    { name: 'text not UTF-8', options: server, bytes: masked({ opcode: 1, payload: hex('ce ba ff') }), expect: [error('WS_ERR_INVALID_UTF8', 1007)] },
    { name: 'text ending inside a code point', options: client, bytes: rawFrame({ opcode: 1, payload: hex('48 c3') }), expect: [error('WS_ERR_INVALID_UTF8', 1007)] },
    {
      name: 'fragmented text ending inside a code point',
      options: server,
      bytes: Buffer.concat([masked({ fin: false, opcode: 1, payload: 'ok' }), masked({ opcode: 0, payload: hex('e2 82') })]),
      expect: [error('WS_ERR_INVALID_UTF8', 1007)],
    },
    { name: 'encoded surrogate in text', options: client, bytes: rawFrame({ opcode: 1, payload: hex('ed a0 80') }), expect: [error('WS_ERR_INVALID_UTF8', 1007)] },
    { name: 'overlong encoding in text', options: client, bytes: rawFrame({ opcode: 1, payload: hex('c0 af') }), expect: [error('WS_ERR_INVALID_UTF8', 1007)] },
    {
      name: 'binary data is not checked for UTF-8',
      options: client,
      bytes: rawFrame({ opcode: 2, payload: hex('ff fe c0') }),
      expect: [binary(hex('ff fe c0'))],
    },
  ];
  for (const fixture of fixtures) it(fixture.name, () => assertChunkingInvariant(fixture));

  it('reports exactly one error and refuses everything after it', () => {
    const events: string[] = [];
    const parser = new FrameParser(server, {
      onMessage: () => events.push('message'),
      onPing: () => events.push('ping'),
      onPong: () => events.push('pong'),
      onClose: () => events.push('close'),
      onError: (e) => events.push(e.code),
    });
    parser.push(Buffer.concat([masked({ opcode: 3 }), masked({ opcode: 1, payload: 'after' })]));
    parser.push(masked({ opcode: 9 }));
    assert.deepEqual(events, ['WS_ERR_INVALID_OPCODE']);
    assert.equal(parser.finished, true);
    assert.equal(parser.protocolError?.closeCode, 1002);
  });

  it('rejects a bad header as soon as its first two bytes arrive', () => {
    const events = parseChunks(server, [hex('83')]);
    assert.deepEqual(events, []);
    // The second byte completes the check; the masking key never arrives.
    assert.deepEqual(parseChunks(server, [hex('83'), hex('85')]), [error('WS_ERR_INVALID_OPCODE', 1002)]);
  });

  it('rejects an oversized frame from its header, before any payload arrives', () => {
    // Only the 10-byte header of a frame claiming 1 GiB: the limit fails it at once.
    assert.deepEqual(parseChunks({ role: 'client', maxPayload: 1024 }, [hex('82 7f 00 00 00 00 40 00 00 00')]), [error('WS_ERR_MESSAGE_TOO_BIG', 1009)]);
  });
});

describe('UTF-8 fails fast (Autobahn 6.4.x)', () => {
  // The message parts of Autobahn 6.4.1–6.4.4: "κόσμε" then an invalid code point (> U+10FFFF).
  const part1 = hex('cebae1bdb9cf83cebcceb5');
  const part2 = hex('f4908080');
  const part3 = hex('656469746564');

  it('6.4.1: fails in the fragment that holds the invalid sequence', () => {
    const events: FrameEvent[] = [];
    const push = recordingParser(events, server);
    push(masked({ fin: false, opcode: 1, payload: part1 }));
    assert.deepEqual(events, []);
    push(masked({ fin: false, opcode: 0, payload: part2 }));
    assert.deepEqual(events, [error('WS_ERR_INVALID_UTF8', 1007)]);
  });

  it('6.4.2: fails on the first byte that makes the prefix impossible (F4 90)', () => {
    const events: FrameEvent[] = [];
    const push = recordingParser(events, server);
    push(masked({ fin: false, opcode: 1, payload: Buffer.concat([part1, hex('f4')]) }));
    assert.deepEqual(events, [], 'F4 alone may still start a valid code point');
    push(masked({ fin: false, opcode: 0, payload: hex('90') }));
    assert.deepEqual(events, [error('WS_ERR_INVALID_UTF8', 1007)]);
  });

  it('6.4.3/6.4.4: fails mid-frame, in the TCP chunk where the bad bytes arrive', () => {
    const frame = masked({ opcode: 1, payload: Buffer.concat([part1, part2, part3]) });
    const headerSize = 6;
    const events: FrameEvent[] = [];
    const push = recordingParser(events, server);
    push(frame.subarray(0, headerSize + part1.length + 1)); // ... F4
    assert.deepEqual(events, []);
    push(frame.subarray(headerSize + part1.length + 1, headerSize + part1.length + 2)); // 90
    assert.deepEqual(events, [error('WS_ERR_INVALID_UTF8', 1007)]);
  });
});

describe('message assembly', () => {
  it('a message of 65,537 fragments is accepted with the default limits (Autobahn 9.3/9.4)', () => {
    const frames: Buffer[] = [masked({ fin: false, opcode: 2, payload: 'a' })];
    for (let i = 0; i < 65535; i++) frames.push(masked({ fin: false, opcode: 0, payload: 'b' }));
    frames.push(masked({ opcode: 0, payload: 'c' }));
    const events = parseChunks(server, [Buffer.concat(frames)]);
    assert.equal(events.length, 1);
    const event = events[0]!;
    assert.equal(event.type, 'message');
    if (event.type === 'message') assert.equal(Buffer.from(event.hex, 'hex').toString(), 'a' + 'b'.repeat(65535) + 'c');
  });

  it('a million empty fragments cost no memory per fragment', () => {
    const empty = masked({ fin: false, opcode: 0 });
    const block = Buffer.concat(Array.from({ length: 10_000 }, () => empty));
    let messages = 0;
    const parser = new FrameParser(server, {
      onMessage: () => messages++, onPing() {}, onPong() {}, onClose() {},
      onError: (e) => assert.fail(e.message),
    });
    parser.push(masked({ fin: false, opcode: 2, payload: 'x' }));
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100; i++) parser.push(Buffer.from(block)); // 1,000,000 empty continuations
    const grown = process.memoryUsage().heapUsed - before;
    parser.push(masked({ opcode: 0, payload: 'y' }));
    assert.equal(messages, 1);
    // Each pushed 60 KB block is garbage after parsing; nothing per fragment is kept.
    assert.ok(grown < 32 * 1024 * 1024, `heap grew by ${grown} bytes`);
  });

  it('delivers a single-chunk payload as a view into the pushed chunk (no copy)', () => {
    const chunk = rawFrame({ opcode: 2, payload: 'zero-copy' });
    let received: Buffer | undefined;
    new FrameParser(client, { onMessage: (d) => (received = d), onPing() {}, onPong() {}, onClose() {}, onError() {} }).push(chunk);
    assert.ok(received);
    assert.equal(received.buffer, chunk.buffer);
    assert.equal(received.byteOffset, chunk.byteOffset + 2);
  });

  it('a header announcing a huge frame reserves no memory before its payload arrives', () => {
    const parser = new FrameParser({ role: 'server', maxPayload: 1 << 30 }, {
      onMessage() {}, onPing() {}, onPong() {}, onClose() {}, onError: (e) => assert.fail(e.message),
    });
    globalThis.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    // 64 MiB announced, 1 byte sent: memory must follow the bytes received.
    parser.push(Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x04, 0, 0, 0, 1, 2, 3, 4, 9]));
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 1 << 20, `${grown} bytes of buffers allocated for 1 byte of payload`);
  });

  it('a large frame arriving in pieces is assembled from views and joined once; memory follows the bytes received', () => {
    const payload = Buffer.from(Uint8Array.from({ length: 3 << 20 }, (_, i) => i % 251));
    const frame = masked({ opcode: 2, payload });
    let received: Buffer | undefined;
    const parser = new FrameParser({ role: 'server' }, { onMessage: (d) => (received = d), onPing() {}, onPong() {}, onClose() {}, onError: (e) => assert.fail(e.message) });
    for (let at = 0; at < frame.length; at += 65536) parser.push(frame.subarray(at, at + 65536));
    assert.ok(received?.equals(payload));
  });

  /**
   * Run `body` while recording every Buffer.allocUnsafe of at least 4 KiB
   * (the assembler's only allocator) with the number of bytes pushed so far.
   */
  function recordAllocations(body: (pushed: (n: number) => void) => void): { size: number; pushed: number }[] {
    const allocations: { size: number; pushed: number }[] = [];
    let pushed = 0;
    const original = Buffer.allocUnsafe;
    Buffer.allocUnsafe = (size: number) => {
      if (size >= 4096) allocations.push({ size, pushed });
      return original(size);
    };
    try {
      body((n) => (pushed += n));
    } finally {
      Buffer.allocUnsafe = original;
    }
    return allocations;
  }

  it('a large single frame switches to one exact buffer once half of it has arrived, never before', () => {
    const size = 8 << 20;
    const payload = Buffer.from(Uint8Array.from({ length: size }, (_, i) => i % 253));
    const frame = masked({ opcode: 2, payload });
    let received: Buffer | undefined;
    const parser = new FrameParser({ role: 'server', maxPayload: 64 << 20 }, { onMessage: (d) => (received = d), onPing() {}, onPong() {}, onClose() {}, onError: (e) => assert.fail(e.message) });
    const allocations = recordAllocations((pushed) => {
      for (let at = 0; at < frame.length; at += 65536) {
        parser.push(frame.subarray(at, at + 65536));
        pushed(Math.min(65536, frame.length - at));
      }
    });
    assert.ok(received?.equals(payload));
    // One allocation: the exact buffer, made by the push that crossed half the frame.
    assert.equal(allocations.length, 1, JSON.stringify(allocations));
    assert.equal(allocations[0]!.size, size);
    const half = 14 + size / 2; // header included: the frame byte at which half the payload is in
    assert.ok(allocations[0]!.pushed < half && allocations[0]!.pushed + 65536 >= half, JSON.stringify(allocations));
  });

  it('a 64 KiB frame read in 64 KiB chunks is unmasked straight into its exact buffer, text validated across the switch', () => {
    // A 4-byte code point straddles the two chunks.
    const text = 'a'.repeat(65536 - 14 - 2) + '\u{1F600}' + 'b'.repeat(65536 - (65536 - 14 - 2) - 4);
    const payload = Buffer.from(text);
    assert.equal(payload.length, 65536);
    const frame = masked({ opcode: 1, payload });
    const events: FrameEvent[] = [];
    const push = recordingParser(events, server);
    const allocations = recordAllocations((pushed) => {
      push(frame.subarray(0, 65536));
      pushed(65536);
      push(frame.subarray(65536));
    });
    assert.deepEqual(events, [{ type: 'message', binary: false, hex: payload.toString('hex') }]);
    // The first chunk holds more than half the frame: its buffer is made then, and is the only one.
    assert.deepEqual(allocations, [{ size: 65536, pushed: 0 }]);
  });

  it('a frame trickled in tiny pieces never reserves more than twice what arrived', () => {
    const size = 4 << 20;
    const frame = masked({ opcode: 2, payload: Buffer.alloc(size, 7) });
    let received: Buffer | undefined;
    const parser = new FrameParser({ role: 'server', maxPayload: 64 << 20 }, { onMessage: (d) => (received = d), onPing() {}, onPong() {}, onClose() {}, onError: (e) => assert.fail(e.message) });
    // In 1 KiB pieces: past MAX_PIECES the views are compacted into a growing buffer.
    const allocations = recordAllocations((pushed) => {
      for (let at = 0; at < frame.length; at += 1024) {
        parser.push(frame.subarray(at, at + 1024));
        pushed(Math.min(1024, frame.length - at));
      }
    });
    assert.equal(received?.length, size);
    assert.ok(allocations.length > 0);
    // Each reservation is made by a push: at most twice the bytes received with it.
    for (const { size: reserved, pushed } of allocations) assert.ok(reserved <= 2 * (pushed + 1024), `${reserved} bytes reserved after ${pushed} received`);
  });

  it('a payload spanning chunks is assembled in one buffer of exactly its size', () => {
    const frame = masked({ opcode: 2, payload: Buffer.alloc(5000, 1) });
    let received: Buffer | undefined;
    const parser = new FrameParser(server, { onMessage: (d) => (received = d), onPing() {}, onPong() {}, onClose() {}, onError() {} });
    parser.push(frame.subarray(0, 3000));
    parser.push(frame.subarray(3000));
    assert.ok(received);
    assert.equal(received.length, 5000);
    // allocUnsafe(5000) is above the pool threshold: its own ArrayBuffer, sized exactly.
    assert.equal(received.byteOffset, 0);
    assert.equal(received.buffer.byteLength, 5000);
    assert.ok(received.every((b) => b === 1));
  });
});

describe('message assembly strategies (src/frame/message-assembler.ts)', () => {
  const run = (frames: Buffer[], cut: number) => {
    const wire = Buffer.concat(frames);
    return parseChunks(server, [wire.subarray(0, cut), wire.subarray(cut)]);
  };

  it('large fragments: views joined once; past 32 pieces, compacted into a growing buffer', () => {
    for (const count of [2, 31, 32, 33, 80]) {
      const parts = Array.from({ length: count }, (_, i) => Buffer.alloc(5000, i));
      const frames = parts.map((p, i) => masked({ fin: i === count - 1, opcode: i === 0 ? 2 : 0, payload: p }));
      for (const cut of [3, 7000, 5006 * Math.floor(count / 2) + 11]) {
        assert.deepEqual(run(frames, cut), [binary(Buffer.concat(parts))], `${count} fragments, cut at ${cut}`);
      }
    }
  });

  it('text split inside code points across large and small fragments stays valid', () => {
    const euros = '€'.repeat(3000); // 9000 bytes
    const bytes = Buffer.from(euros);
    const cuts = [4097, 4100, 4101, 8000, 8999];
    const frames: Buffer[] = [];
    let at = 0;
    for (const [i, end] of [...cuts, bytes.length].entries()) {
      frames.push(masked({ fin: end === bytes.length, opcode: i === 0 ? 1 : 0, payload: bytes.subarray(at, end) }));
      at = end;
    }
    for (const cut of [1, 4000, 4105, 9000]) assert.deepEqual(run(frames, cut), [text(euros)]);
  });

  it('invalid UTF-8 in a large fragment fails in that fragment', () => {
    const bad = Buffer.alloc(5000, 0x61);
    bad[4000] = 0xff;
    const events = parseChunks(server, [masked({ fin: false, opcode: 1, payload: bad })]);
    assert.deepEqual(events, [error('WS_ERR_INVALID_UTF8', 1007)]);
  });
});

describe('pause and resume', () => {
  it('holds events while paused and delivers them in order on resume', () => {
    const events: string[] = [];
    const parser: FrameParser = new FrameParser(server, {
      onMessage: (d) => {
        events.push(d.toString());
        if (d.toString() === 'one') parser.pause();
      },
      onPing: (p) => events.push(`ping:${p.toString()}`),
      onPong() {}, onClose: (code) => events.push(`close:${code}`), onError: (e) => events.push(e.code),
    });
    parser.push(Buffer.concat([masked({ opcode: 1, payload: 'one' }), masked({ opcode: 9, payload: 'p' }), masked({ opcode: 1, payload: 'two' })]));
    parser.push(masked({ opcode: 8, payload: hex('03e8') }));
    assert.deepEqual(events, ['one']);
    assert.equal(parser.isPaused, true);
    assert.ok(parser.queuedBytes > 0);
    parser.resume();
    assert.deepEqual(events, ['one', 'ping:p', 'two', 'close:1000']);
    assert.equal(parser.queuedBytes, 0);
  });

  it('can be resumed from inside a handler', () => {
    const events: string[] = [];
    const parser: FrameParser = new FrameParser(client, {
      onMessage: (d) => {
        events.push(d.toString());
        parser.pause();
        parser.resume();
      },
      onPing() {}, onPong() {}, onClose() {}, onError() {},
    });
    parser.push(Buffer.concat([rawFrame({ opcode: 1, payload: 'a' }), rawFrame({ opcode: 1, payload: 'b' })]));
    assert.deepEqual(events, ['a', 'b']);
  });
});

describe('compressed messages (RSV1 with allowRsv1)', () => {
  it('hands every piece of a compressed message to onCompressedData, then resumes normal assembly', () => {
    const options: FrameParserOptions = { role: 'server', allowRsv1: true };
    const bytes = Buffer.concat([
      masked({ fin: false, rsv: 4, opcode: 1, payload: 'abc' }),
      masked({ opcode: 9, payload: 'p' }),
      masked({ opcode: 0, payload: 'def' }),
      masked({ opcode: 2, payload: 'plain' }),
      masked({ rsv: 4, opcode: 2 }),
    ]);
    assertChunkingInvariant({
      name: 'compressed',
      options,
      bytes,
      expect: [
        { type: 'compressed', binary: false, first: true, last: false, hex: Buffer.from('abc').toString('hex') },
        { type: 'ping', hex: '70' },
        { type: 'compressed', binary: false, first: false, last: true, hex: Buffer.from('def').toString('hex') },
        binary(Buffer.from('plain')),
        { type: 'compressed', binary: true, first: true, last: true, hex: '' },
      ],
    });
  });
});

describe('options', () => {
  it('rejects a negative maxPayload', () => {
    assert.throws(() => new FrameParser({ role: 'server', maxPayload: -1 }, null as never), RangeError);
  });
});
