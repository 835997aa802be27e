/**
 * Graceful shutdown under load: `wss.close()` called while every connection
 * has megabytes queued (and, with permessage-deflate, messages still being
 * compressed) must deliver every message already accepted by send() — byte
 * for byte, in order — before a 1001 close that every client sees as clean;
 * and it must stay bounded when a client never answers the close frame.
 *
 * Already proven elsewhere: close() with 100 small messages to one client
 * (test/api/server.test.ts "close() delivers messages already accepted by
 * send() before the 1001"), and every client of an idle server getting 1001
 * ("close() closes every client with 1001…").
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from '../../src/index.js';
import { prng } from '../support/frame-events.js';
import { rawWebSocket } from '../support/raw-peer.js';
import { int, randomBytes, randomText } from '../support/traffic.js';
import { watch } from '../support/watch.js';

const MiB = 1024 * 1024;

/** Message bodies are cut from these pools (generating megabytes per message would dominate the test). */
const random = prng(0x5d_6455);
const bytePool = randomBytes(random, 2 * MiB);
const textPool = randomText(random, 2 * MiB).replace(/[\ud800-\udfff]/g, 'x');
const compressiblePool = 'abcabcabd'.repeat(MiB / 8);

/** What the server sends client `id`: deterministic, so the client knows what to expect. */
function burst(id: number, compressible: boolean): (string | Buffer)[] {
  const sizes = prng(id + 1);
  return Array.from({ length: 12 }, (_, i) => {
    const size = i % 4 === 3 ? 256 * 1024 + int(sizes, 768 * 1024) : int(sizes, 20_000);
    const at = int(sizes, MiB);
    if (compressible) return `${id}/${i}:${compressiblePool.slice(at % 9, (at % 9) + size)}`;
    return i % 2 === 0 ? bytePool.subarray(at, at + size) : `${id}/${i}:${textPool.slice(at, at + size)}`;
  });
}

describe('wss.close() under load', () => {
  for (const deflate of [false, true]) {
    const clients = deflate ? 20 : 30;
    it(`${clients} clients${deflate ? ' with permessage-deflate' : ''}: every message accepted by send() arrives intact and in order, then a clean 1001`, { timeout: 60_000 }, async () => {
      const wss = new WebSocketServer({ port: 0, ...(deflate ? { perMessageDeflate: { threshold: 0 } } : {}) });
      const { port } = await wss.listen();
      const ready = new Map<number, WebSocket>();
      let queuedAtClose = 0;
      const allReady = new Promise<void>((resolve) => {
        wss.on('connection', (ws, request) => {
          const id = Number(new URL(request.url, 'ws://x').searchParams.get('id'));
          ws.addEventListener('message', () => {
            ready.set(id, ws);
            if (ready.size === clients) resolve();
          }, { once: true });
        });
      });
      const sides = Array.from({ length: clients }, (_, id) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/?id=${id}`, [], deflate ? { perMessageDeflate: true } : {});
        const watched = watch(ws);
        ws.addEventListener('open', () => ws.send('go'));
        return { id, ws, watched };
      });
      await allReady;
      // Every client is listening: queue every burst, then shut down in the same tick, with megabytes
      // per connection still in user space (and, with compression, messages waiting for zlib).
      for (const [id, ws] of ready) for (const message of burst(id, deflate)) ws.send(message);
      for (const ws of wss.clients) queuedAtClose += ws.bufferedAmount;
      const started = Date.now();
      await wss.close();
      const elapsed = Date.now() - started;
      assert.ok(queuedAtClose > clients * 256 * 1024, `only ${queuedAtClose} bytes were queued when close() was called`);
      for (const { id, watched } of sides) {
        const close = await watched.closed;
        const expected = burst(id, deflate);
        assert.equal(watched.messages.length, expected.length, `client ${id}: ${watched.messages.length} of ${expected.length} messages`);
        watched.messages.forEach((message, i) => {
          const want = expected[i]!;
          const same = typeof want === 'string' ? message === want : Buffer.isBuffer(message) && message.equals(want);
          assert.ok(same, `client ${id}: message ${i} corrupted or out of order`);
        });
        assert.deepEqual([close.code, close.reason, close.wasClean], [1001, 'Server shutting down', true], `client ${id}`);
        assert.deepEqual(watched.log.at(-1), 'close@3:1001:true');
        assert.ok(!watched.log.some((entry) => entry.startsWith('error')), `client ${id}: ${watched.log.join(',')}`);
      }
      assert.equal(wss.clients.size, 0);
      assert.ok(elapsed < 30_000, `close() took ${elapsed} ms`);
      // Nothing listens any more.
      const probe = connect(port, '127.0.0.1');
      const [error] = (await once(probe, 'error')) as [NodeJS.ErrnoException];
      assert.equal(error.code, 'ECONNREFUSED');
    });
  }

  it('a client that never answers the close frame holds close() for closeTimeout only: error (close timeout) then close 1006', { timeout: 20_000 }, async () => {
    const wss = new WebSocketServer({ port: 0, closeTimeout: 300 });
    const { port } = await wss.listen();
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    const { recorder } = await rawWebSocket(port); // reads, but never answers
    const [serverSide] = await accepted;
    const watched = watch(serverSide);
    serverSide.send(randomBytes(prng(1), MiB));
    const started = Date.now();
    await wss.close();
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 280 && elapsed < 3000, `close() resolved after ${elapsed} ms (closeTimeout 300)`);
    assert.deepEqual(watched.log, ['error@3:WS_ERR_CLOSE_TIMEOUT', 'close@3:1006:false']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(recorder.ended, 'the server closed TCP');
    recorder.socket.destroy();
  });
});
