/**
 * permessage-deflate on a connection (RFC 7692 §6, §7.2): the §7.2.3
 * examples as byte fixtures in both directions, context takeover, the
 * per-message threshold and opt-out, ordering around asynchronous zlib,
 * invalid data (1007), misplaced RSV1 (1002), and decompression bombs (1009
 * with bounded memory).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { Opcode } from '../../src/frame/opcode.js';
import { encodeFrame } from '../../src/frame/serializer.js';
import type { DeflateAgreement } from '../../src/handshake/permessage-deflate.js';
import { Connection, type CloseInfo } from '../../src/socket/connection.js';
import type { ConnectionOptions } from '../../src/socket/options.js';
import { PerMessageDeflate } from '../../src/socket/permessage-deflate.js';
import { ZlibLimiter, zlibLimiter } from '../../src/socket/zlib-limiter.js';
import { memoryPair, sleep } from '../support/duplex-pair.js';
import { eventually } from '../support/eventually.js';
import { hex, parseChunks, type FrameEvent } from '../support/frame-events.js';

const agreement = (overrides: Partial<DeflateAgreement> = {}): DeflateAgreement => ({
  serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15, header: 'permessage-deflate', ...overrides,
});

const live: Connection[] = [];
afterEach(() => {
  for (const connection of live.splice(0)) connection.terminate();
});

/** A Connection with deflate agreed, and a raw peer on the other end. */
function deflatePeer(role: 'client' | 'server', agreed: DeflateAgreement = agreement(), options: ConnectionOptions = {}, threshold = 0) {
  const [mine, theirs] = memoryPair();
  const events: string[] = [];
  let closeInfo: CloseInfo | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const connection = new Connection(role, options, {
    onMessage: (data, binary) => events.push(`${binary ? 'binary' : 'text'}:${data.toString()}`),
    onPing: () => events.push('ping'),
    onPong: () => events.push('pong'),
    onError: (e) => events.push(`error:${(e as { code?: string }).code}`),
    onClose: (info) => {
      closeInfo = info;
      events.push(`close:${info.code}`);
      resolveClosed();
    },
    onBufferedAmountLow: () => {},
  });
  live.push(connection);
  connection.attach(mine, Buffer.alloc(0), { agreement: agreed, options: { threshold } });
  connection.start();
  const received: Buffer[] = [];
  theirs.on('data', (chunk: Buffer) => received.push(chunk));
  return {
    connection, events, theirs, closed, closeInfo: () => closeInfo,
    wire: () => Buffer.concat(received),
    /** What the subject sent, parsed as the peer would (RSV1 allowed). */
    frames: (): FrameEvent[] => parseChunks({ role: role === 'server' ? 'client' : 'server', allowRsv1: true }, [Buffer.concat(received)]),
  };
}


describe('RFC 7692 §7.2.3 examples, received', () => {
  const fixtures: [string, string, string[]][] = [
    ['7.2.3.1 one compressed DEFLATE block', 'c1 07 f2 48 cd c9 c9 07 00', ['text:Hello']],
    ['7.2.3.1 fragmented into two frames', '41 03 f2 48 cd 80 04 c9 c9 07 00', ['text:Hello']],
    ['7.2.3.2 sharing the LZ77 sliding window', 'c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00', ['text:Hello', 'text:Hello']],
    ['7.2.3.3 a DEFLATE block with no compression', 'c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00', ['text:Hello']],
    ['7.2.3.4 a DEFLATE block with BFINAL set', 'c1 08 f3 48 cd c9 c9 07 00 00', ['text:Hello']],
    // §7.2.2: with context takeover the window carries on even after a stream ended with BFINAL.
    ['7.2.3.4 BFINAL, then a message that refers back to it', 'c1 08 f3 48 cd c9 c9 07 00 00 c1 05 f2 00 11 00 00', ['text:Hello', 'text:Hello']],
    // The final (empty stored) block's LEN/NLEN are the appended 00 00 ff ff: the stream ends with no input left over.
    ['a final block that ends exactly at the appended trailer, then two messages that refer back',
      'c1 0c f2 48 cd c9 c9 07 00 00 00 ff ff 01 c1 05 f2 00 11 00 00 c1 05 f2 00 11 00 00', ['text:Hello', 'text:Hello', 'text:Hello']],
    ['7.2.3.5 two DEFLATE blocks in one message', 'c1 0d f2 48 05 00 00 00 ff ff ca c9 c9 07 00', ['text:Hello']],
    ['7.2.3.6 an empty message', 'c1 01 00', ['text:']],
    ['a ping between compressed fragments', '41 03 f2 48 cd 89 00 80 04 c9 c9 07 00', ['ping', 'text:Hello']],
    ['compressed then uncompressed, in order', 'c1 07 f2 48 cd c9 c9 07 00 81 05 48 65 6c 6c 6f 82 01 21', ['text:Hello', 'text:Hello', 'binary:!']],
  ];
  for (const [name, bytes, expected] of fixtures) {
    it(name, async () => {
      const peer = deflatePeer('client');
      peer.theirs.write(hex(bytes));
      await eventually(() => peer.events.length >= expected.length);
      await sleep(5);
      assert.deepEqual(peer.events, expected);
    });
  }

  it('the same bytes split at every offset give the same messages', async () => {
    const bytes = hex('41 03 f2 48 cd 89 00 80 04 c9 c9 07 00 c1 05 f2 00 11 00 00');
    for (let at = 1; at < bytes.length; at++) {
      const peer = deflatePeer('client');
      peer.theirs.write(bytes.subarray(0, at));
      await sleep(1);
      peer.theirs.write(bytes.subarray(at));
      await eventually(() => peer.events.length >= 3);
      assert.deepEqual(peer.events, ['ping', 'text:Hello', 'text:Hello'], `split at ${at}`);
    }
  });
});

describe('RFC 7692 §7.2.3 examples, sent', () => {
  it('compresses "Hello" to the §7.2.3.1 payload, then §7.2.3.2 with context takeover', async () => {
    const peer = deflatePeer('server');
    peer.connection.send('Hello', false);
    peer.connection.send('Hello', false);
    await eventually(() => peer.wire().length >= 16);
    assert.equal(peer.wire().toString('hex'), 'c107f248cdc9c90700' + 'c105f200110000');
  });

  it('without context takeover every message is compressed from scratch (§7.1.1)', async () => {
    const peer = deflatePeer('server', agreement({ serverNoContextTakeover: true }));
    peer.connection.send('Hello', false);
    peer.connection.send('Hello', false);
    await eventually(() => peer.wire().length >= 18);
    assert.equal(peer.wire().toString('hex'), 'c107f248cdc9c90700'.repeat(2));
  });

  it('sends an empty message as the single byte 00 (§7.2.3.6), also after other messages', async () => {
    const peer = deflatePeer('server');
    peer.connection.send('', false);
    peer.connection.send('Hello', false);
    peer.connection.send('', false);
    await eventually(() => peer.wire().length >= 15);
    assert.equal(peer.wire().toString('hex'), 'c10100' + 'c107f248cdc9c90700' + 'c10100');
  });

  it('fragments a compressed message with RSV1 on the first frame only (§6.1)', async () => {
    const peer = deflatePeer('server', agreement(), { fragmentSize: 3 });
    peer.connection.send('Hello', false);
    await eventually(() => peer.wire().length >= 13);
    // f2 48 cd | c9 c9 07 | 00
    assert.equal(peer.wire().toString('hex'), '4103f248cd' + '0003c9c907' + '800100');
  });

  it('a client masks compressed frames, and the peer reads them back', async () => {
    const peer = deflatePeer('client');
    const text = 'x'.repeat(10000);
    peer.connection.send(text, false);
    peer.connection.send(Buffer.from('binary payload'), true);
    await eventually(() => peer.frames().length >= 2);
    const frames = peer.frames();
    assert.equal(frames[0]?.type, 'compressed');
    assert.ok(peer.wire()[1]! & 0x80, 'masked');
    assert.ok(peer.wire().length < 200, `10000 repeated bytes compressed to ${peer.wire().length} bytes on the wire`);
  });

  it('messages below the threshold, and those sent with compress: false, go uncompressed', async () => {
    const peer = deflatePeer('server', agreement(), {}, 100);
    peer.connection.send('short', false);
    peer.connection.send('y'.repeat(200), false, { compress: false });
    peer.connection.send('z'.repeat(200), false);
    await eventually(() => peer.frames().length >= 3);
    assert.deepEqual(peer.frames().map((f) => f.type), ['message', 'message', 'compressed']);
  });
});

describe('order and closing around asynchronous zlib', () => {
  it('a burst of compressed and uncompressed messages arrives in send order', async () => {
    const [a, b] = memoryPair();
    const received: string[] = [];
    const make = (role: 'client' | 'server', onMessage: (d: Buffer) => void) => {
      const connection = new Connection(role, {}, {
        onMessage, onPing() {}, onPong() {}, onError() {}, onClose() {}, onBufferedAmountLow() {},
      });
      live.push(connection);
      return connection;
    };
    const sender = make('client', () => {});
    const receiver = make('server', (d) => received.push(d.toString()));
    sender.attach(a, Buffer.alloc(0), { agreement: agreement(), options: { threshold: 50 } });
    receiver.attach(b, Buffer.alloc(0), { agreement: agreement(), options: { threshold: 50 } });
    sender.start();
    receiver.start();
    const expected: string[] = [];
    for (let i = 0; i < 200; i++) {
      const text = i % 3 === 0 ? `small ${i}` : `${i} `.repeat(40 + (i % 7) * 100);
      expected.push(text);
      sender.send(text, false, { compress: i % 5 !== 0 });
    }
    await eventually(() => received.length === 200, 5000);
    assert.deepEqual(received, expected);
  });

  it('close() while a compression is pending: the message goes first, then the close frame', async () => {
    const peer = deflatePeer('server');
    peer.connection.send('m'.repeat(100_000), false);
    peer.connection.close(1000, 'bye');
    assert.equal(peer.connection.readyState, 2);
    assert.ok(peer.connection.bufferedAmount >= 100_000, 'the pending message counts in bufferedAmount');
    await eventually(() => peer.frames().length >= 2);
    assert.deepEqual(peer.frames().map((f) => f.type), ['compressed', 'close']);
  });
});

describe('bad compressed input', () => {
  it('invalid deflate data fails the connection with 1007', async () => {
    const peer = deflatePeer('client');
    peer.theirs.write(hex('c1 04 ff ff ff ff'));
    await eventually(() => peer.frames().length >= 1);
    assert.deepEqual(peer.frames(), [{ type: 'close', code: 1007, reason: '' }]);
    peer.theirs.end();
    await peer.closed;
    assert.deepEqual(peer.events, ['error:WS_ERR_INVALID_COMPRESSED_DATA', 'close:1006']);
  });

  it('compressed text that inflates to invalid UTF-8 fails with 1007', async () => {
    const peer = deflatePeer('client');
    const payload = deflateRawSync(Buffer.from([0x48, 0xff, 0x48]), { finishFlush: 2 /* Z_SYNC_FLUSH */ }).subarray(0, -4);
    peer.theirs.write(Buffer.concat(encodeFrame(Opcode.Text, payload, { rsv1: true })));
    await eventually(() => peer.frames().length >= 1);
    assert.deepEqual(peer.frames(), [{ type: 'close', code: 1007, reason: '' }]);
  });

  it('RSV1 on a control frame or a continuation frame fails with 1002', async () => {
    for (const bytes of ['c9 00', '41 03 f2 48 cd c0 04 c9 c9 07 00']) {
      const peer = deflatePeer('client');
      peer.theirs.write(hex(bytes));
      await eventually(() => peer.frames().length >= 1);
      assert.deepEqual(peer.frames(), [{ type: 'close', code: 1002, reason: '' }], bytes);
    }
  });

  it('a deflate bomb fails with 1009 as soon as maxPayload is passed, with bounded time and memory', async () => {
    // 64 KiB on the wire that inflates to 64 MiB (deflate's best ratio is ~1000:1),
    // against a 1 MiB limit: inflation must stop after ~1 MiB of output.
    const bomb = deflateRawSync(Buffer.alloc(64 << 20), { level: 9, finishFlush: 2 }).subarray(0, -4);
    assert.ok(bomb.length < 128 * 1024);
    const peer = deflatePeer('client', agreement(), { maxPayload: 1 << 20 });
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    const started = Date.now();
    peer.theirs.write(Buffer.concat(encodeFrame(Opcode.Binary, bomb, { rsv1: true })));
    await eventually(() => peer.frames().length >= 1, 10_000);
    const elapsed = Date.now() - started;
    const grown = process.memoryUsage().rss - before;
    assert.deepEqual(peer.frames(), [{ type: 'close', code: 1009, reason: '' }]);
    assert.ok(elapsed < 2000, `failed after ${elapsed} ms`);
    assert.ok(grown < 32 << 20, `RSS grew by ${(grown / 1048576).toFixed(1)} MiB (the full message would be 64 MiB)`);
    peer.theirs.end();
    await peer.closed;
    assert.deepEqual(peer.events, ['error:WS_ERR_MESSAGE_TOO_BIG', 'close:1006']);
  });

  it('text inflated past maxPayload in a fragmented message also fails with 1009', async () => {
    const stream = deflateRawSync(Buffer.alloc(4 << 20, 0x61), { level: 9, finishFlush: 2 }).subarray(0, -4);
    const peer = deflatePeer('client', agreement(), { maxPayload: 1 << 20 });
    const half = stream.length >> 1;
    peer.theirs.write(Buffer.concat([
      ...encodeFrame(Opcode.Text, stream.subarray(0, half), { rsv1: true, fin: false }),
      ...encodeFrame(Opcode.Continuation, stream.subarray(half)),
    ]));
    await eventually(() => peer.frames().length >= 1, 10_000);
    assert.deepEqual(peer.frames(), [{ type: 'close', code: 1009, reason: '' }]);
  });
});

describe('resources', () => {
  it('zlib streams are created on first use and released on close', async () => {
    const codec = new PerMessageDeflate('server', { agreement: agreement(), options: {} });
    const internals = codec as unknown as { inflater: unknown; deflater: unknown };
    assert.equal(internals.deflater, null, 'no zlib memory until the first message');
    await new Promise<void>((resolve) => codec.compress(Buffer.from('x'), () => resolve()));
    assert.notEqual(internals.deflater, null);
    codec.close();
    assert.equal(internals.deflater, null);
    assert.equal(internals.inflater, null);
  });

  it('the limiter never runs more jobs at once than its concurrency, and runs them in order', async () => {
    const limiter = new ZlibLimiter(3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(Array.from({ length: 20 }, (_, i) => new Promise<void>((resolve) => {
      limiter.add((done) => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        setTimeout(() => {
          running--;
          done();
          done(); // a second call is ignored
          resolve();
        }, 2);
      });
    })));
    assert.equal(peak, 3);
    assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
    assert.equal(limiter.pending, 0);
  });

  it('the shared limiter bounds many connections compressing at once', async () => {
    const peak = { value: 0 };
    const original = zlibLimiter.add.bind(zlibLimiter);
    let running = 0;
    zlibLimiter.add = (job) => original((done) => {
      running++;
      peak.value = Math.max(peak.value, running);
      job(() => {
        running--;
        done();
      });
    });
    try {
      const peers = Array.from({ length: 40 }, () => deflatePeer('server'));
      for (const peer of peers) peer.connection.send('a'.repeat(50_000), false);
      await eventually(() => peers.every((p) => p.frames().length >= 1), 5000);
      assert.ok(peak.value <= zlibLimiter.concurrency, `peak ${peak.value}`);
      assert.ok(peak.value >= 2, 'jobs did run concurrently');
    } finally {
      zlibLimiter.add = original;
    }
  });
});
