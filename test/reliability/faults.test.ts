/**
 * Faults, and the exact event sequence the application sees for each, on
 * both sides of a live connection: a peer that vanishes mid-frame (FIN or
 * reset), a half-open peer found by the server's heartbeat, a kernel send
 * buffer that stays full for a long time, TLS handshake failures on either
 * side, and a DNS failure.
 *
 * Already proven elsewhere (not repeated here): connection refused
 * (test/api/websocket-events.test.ts "connection refused"), a server that
 * resets mid-message and a silent server found by the client's heartbeat
 * (test/api/websocket-send-close.test.ts), an untrusted certificate on the
 * client (test/api/server.test.ts "an untrusted certificate fails the
 * connection…"), DNS failure inside connectClient with a stubbed lookup
 * (test/handshake/client-connect.test.ts "wraps a DNS failure…"), and
 * bufferedAmount rising and falling on the Connection
 * (test/socket/connection.test.ts "backpressure: bufferedAmount").
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { describe, it, type TestContext } from 'node:test';
import { Opcode } from '../../src/frame/opcode.js';
import { encodeFrame } from '../../src/frame/serializer.js';
import { WebSocket, WebSocketServer, type WebSocketServerOptions } from '../../src/index.js';
import { acceptResponse, connectRaw, rawWebSocket, readHead, Recorder, upgradeRequest } from '../support/raw-peer.js';
import { referenceReceive } from '../support/reference-receiver.js';
import { codeChain, watch, type Watched } from '../support/watch.js';

const MiB = 1024 * 1024;

/** The largest size the kernel may grow a TCP buffer to (third field of net.ipv4.tcp_wmem / tcp_rmem), 16 MiB if unknown. */
function maxBuffer(name: 'tcp_wmem' | 'tcp_rmem'): number {
  try {
    return Number(readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim().split(/\s+/)[2]);
  } catch {
    return 16 * MiB;
  }
}

const tls = {
  cert: readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url)),
  key: readFileSync(new URL('../fixtures/tls/key.pem', import.meta.url)),
};

/** A server whose accepted connections are watched; `next()` resolves with the next one. */
async function watchedServer(t: TestContext, options: WebSocketServerOptions = {}) {
  // A short close timeout: a raw peer that never answers must not hold up the test's cleanup.
  const wss = new WebSocketServer({ port: 0, closeTimeout: 2000, ...options });
  const accepted: { ws: WebSocket; watched: Watched }[] = [];
  const waiting: ((entry: { ws: WebSocket; watched: Watched }) => void)[] = [];
  wss.on('connection', (ws) => {
    const entry = { ws, watched: watch(ws) };
    accepted.push(entry);
    waiting.shift()?.(entry);
  });
  const { port } = await wss.listen();
  t.after(() => wss.close());
  const next = () => new Promise<{ ws: WebSocket; watched: Watched }>((resolve) => {
    const ready = accepted.shift();
    if (ready !== undefined) resolve(ready);
    else waiting.push((entry) => {
      accepted.splice(accepted.indexOf(entry), 1);
      resolve(entry);
    });
  });
  return { wss, port, next };
}

/** A raw server that completes the handshake and hands the socket to `act`. */
async function rawServer(t: TestContext, act: (peer: Recorder) => void) {
  const server = createServer({ allowHalfOpen: true }, async (socket) => {
    const peer = new Recorder(socket);
    const { head } = await readHead(peer, 'request');
    socket.write(acceptResponse(head.headers['sec-websocket-key'] ?? ''));
    act(peer);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.close();
  });
  return `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

describe('the peer vanishes mid-frame', () => {
  const halfFrame = Buffer.concat(encodeFrame(Opcode.Binary, Buffer.alloc(4096, 7), { mask: true })).subarray(0, 1000);
  const halfHeader = halfFrame.subarray(0, 5); // 2 + 4-byte mask key: stops inside the key

  for (const [name, bytes] of [['inside a payload', halfFrame], ['inside a header', halfHeader]] as const) {
    it(`server side, client sends FIN ${name}: error (connection lost) then close 1006, unclean, and the client is forgotten`, { timeout: 10_000 }, async (t) => {
      const { wss, port, next } = await watchedServer(t);
      const { recorder } = await rawWebSocket(port);
      const { watched } = await next();
      recorder.socket.end(bytes);
      await watched.closed;
      assert.deepEqual(watched.log, ['error@3:WS_ERR_CONNECTION_LOST', 'close@3:1006:false']);
      assert.equal(wss.clients.size, 0);
    });
  }

  it('server side, client resets TCP inside a payload: error (socket error, ECONNRESET) then close 1006', { timeout: 10_000 }, async (t) => {
    const { wss, port, next } = await watchedServer(t);
    const { recorder } = await rawWebSocket(port);
    const { watched } = await next();
    recorder.socket.write(halfFrame);
    await new Promise((resolve) => setTimeout(resolve, 30));
    recorder.socket.resetAndDestroy();
    await watched.closed;
    assert.deepEqual(watched.log, ['error@3:WS_ERR_SOCKET', 'close@3:1006:false']);
    assert.equal(codeChain(watched.errors[0]), 'WS_ERR_SOCKET<ECONNRESET');
    assert.equal(wss.clients.size, 0);
  });

  it('client side, server sends FIN inside a payload: open, error (connection lost), close 1006', { timeout: 10_000 }, async (t) => {
    const url = await rawServer(t, (peer) => peer.socket.end(Buffer.concat(encodeFrame(Opcode.Text, 'x'.repeat(4096))).subarray(0, 100)));
    const watched = watch(new WebSocket(url));
    await watched.closed;
    assert.deepEqual(watched.log, ['open@1', 'error@3:WS_ERR_CONNECTION_LOST', 'close@3:1006:false']);
  });
});

describe('half-open connections', () => {
  it('the server\'s heartbeat finds a client that went silent: error (heartbeat timeout) then close 1006', { timeout: 10_000 }, async (t) => {
    const { wss, port, next } = await watchedServer(t, { heartbeat: { interval: 100, timeout: 100 } });
    const { recorder } = await rawWebSocket(port);
    recorder.socket.pause(); // a peer whose host vanished: reads nothing, answers nothing
    const { watched } = await next();
    const started = Date.now();
    await watched.closed;
    const elapsed = Date.now() - started;
    assert.deepEqual(watched.log, ['error@3:WS_ERR_HEARTBEAT_TIMEOUT', 'close@3:1006:false']);
    assert.ok(elapsed >= 180 && elapsed < 2000, `detected after ${elapsed} ms (interval + timeout = 200 ms)`);
    assert.equal(wss.clients.size, 0);
    recorder.socket.destroy();
  });

  it('a client that answers pings stays connected through many heartbeats', { timeout: 10_000 }, async (t) => {
    const { port, next } = await watchedServer(t, { heartbeat: { interval: 30, timeout: 30 } });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await once(ws, 'open');
    const { ws: serverSide, watched } = await next();
    let pongs = 0;
    serverSide.addEventListener('pong', () => pongs++);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.ok(pongs >= 4, `${pongs} heartbeat pongs`);
    assert.deepEqual(watched.log, []);
    ws.close();
    await watched.closed;
  });
});

describe('the kernel send buffer stays full', () => {
  it('bufferedAmount holds exactly what the kernel has not taken, memory tracks what was queued, and nothing is lost', { timeout: 30_000 }, async (t) => {
    const { port, next } = await watchedServer(t);
    const { recorder, headBytes } = await rawWebSocket(port);
    t.after(() => recorder.socket.destroy());
    recorder.socket.pause(); // the client stops reading for a long time
    const { ws } = await next();
    let lows = 0;
    ws.addEventListener('bufferedamountlow', () => lows++);
    // More than the kernel can hold (at least 48 MiB), in messages from 0 B to 4 MiB, sliced from one
    // pool the application keeps anyway.
    const kernelMax = maxBuffer('tcp_wmem') + maxBuffer('tcp_rmem') + 2 * MiB;
    const volume = Math.max(48 * MiB, kernelMax + 16 * MiB);
    const pool = Buffer.alloc(4 * MiB + 8);
    for (let i = 0; i < pool.length; i += 4) pool.writeUInt32LE((i * 2654435761) >>> 0, i);
    const sizes: number[] = [];
    for (let total = 0; total < volume;) {
      const size = [0, 1, 125, 126, 65535, 65536, 1 << 20, 4 * MiB][sizes.length % 8]!;
      sizes.push(size);
      total += size;
    }
    const queued = sizes.reduce((a, b) => a + b, 0);
    globalThis.gc?.();
    const buffersBefore = process.memoryUsage().arrayBuffers;
    sizes.forEach((size, i) => ws.send(pool.subarray(i % 7, (i % 7) + size)));
    assert.equal(ws.bufferedAmount, queued, 'every byte passed to send() is counted at once');
    // A long stall: the kernel's buffers fill, the rest waits in user space.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const stuck = ws.bufferedAmount;
    assert.ok(stuck > 0 && stuck <= queued, `bufferedAmount ${stuck} of ${queued}`);
    // What the kernel can hold: the largest send buffer plus the largest receive buffer (autotuning maxima).
    assert.ok(queued - stuck <= kernelMax, `the kernel cannot have taken ${queued - stuck} bytes (at most ${kernelMax})`);
    globalThis.gc?.();
    const held = process.memoryUsage().arrayBuffers - buffersBefore;
    assert.ok(held <= stuck * 1.25 + 8 * MiB, `${(held / MiB).toFixed(1)} MiB held for ${(stuck / MiB).toFixed(1)} MiB still queued (no amplification)`);
    assert.ok(held >= stuck * 0.9 - 8 * MiB, `${(held / MiB).toFixed(1)} MiB held cannot hold ${(stuck / MiB).toFixed(1)} MiB queued`);
    assert.equal(lows, 0);
    // The client reads again: everything arrives, byte-exact and in order; bufferedAmount returns to 0.
    recorder.socket.resume();
    const deadline = Date.now() + 20_000;
    while ((ws.bufferedAmount > 0 || lows === 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(ws.bufferedAmount, 0);
    assert.equal(lows, 1, 'bufferedamountlow fires once, when the queue drains');
    let wire = referenceReceive(recorder.bytes.subarray(headBytes), { role: 'client', maxPayload: 8 * MiB });
    while (wire.messages.length < sizes.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      wire = referenceReceive(recorder.bytes.subarray(headBytes), { role: 'client', maxPayload: 8 * MiB });
    }
    assert.equal(wire.messages.length, sizes.length);
    wire.messages.forEach((message, i) => {
      assert.ok(message.binary && message.data.equals(pool.subarray(i % 7, (i % 7) + sizes[i]!)), `message ${i} (${sizes[i]} bytes) differs`);
    });
    recorder.socket.destroy();
  });
});

describe('TLS handshake failures', () => {
  it('server side: clients that fail TLS cost one socket each, never a connection event or an exception; the next client is served', { timeout: 15_000 }, async (t) => {
    const { wss, port } = await watchedServer(t, { tls });
    let connections = 0;
    wss.on('connection', (ws) => {
      connections++;
      ws.send('secure');
    });
    // Plain HTTP to the TLS port.
    const plain = await connectRaw(port);
    plain.socket.end(upgradeRequest());
    await plain.closed;
    // A TLS client that refuses the server's certificate.
    const refusing = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost' });
    const refused = await new Promise<Error>((resolve) => refusing.once('error', resolve));
    assert.match(String((refused as NodeJS.ErrnoException).code), /SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/);
    // Garbage that looks like a ClientHello.
    const garbage = await connectRaw(port);
    garbage.socket.end(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
    await garbage.closed;
    assert.equal(connections, 0);
    const ws = new WebSocket(`wss://localhost:${port}/`, [], { tls: { ca: tls.cert } });
    const watched = watch(ws);
    await once(ws, 'message');
    ws.close();
    await watched.closed;
    assert.deepEqual(watched.log, ['open@1', 'message@1', 'close@3:1005:true']);
    assert.equal(connections, 1);
  });

  it('client side: a wss: URL whose server does not speak TLS fails with error (connection failed) then close 1006, never open', { timeout: 15_000 }, async (t) => {
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const watched = watch(new WebSocket(`wss://127.0.0.1:${(server.address() as { port: number }).port}/`));
    await watched.closed;
    assert.deepEqual(watched.log, ['error@3:WS_ERR_CONNECTION_FAILED', 'close@3:1006:false']);
  });
});

describe('DNS failure', () => {
  it('a host that does not resolve: error (connection failed, ENOTFOUND) then close 1006, never open', { timeout: 30_000 }, async () => {
    // RFC 6761 §6.4: .invalid never resolves.
    const watched = watch(new WebSocket('ws://no-such-host.invalid/'));
    await watched.closed;
    assert.deepEqual(watched.log, ['error@3:WS_ERR_CONNECTION_FAILED', 'close@3:1006:false']);
    // ENOTFOUND normally; EAI_AGAIN where no resolver is reachable at all.
    assert.match(codeChain(watched.errors[0]), /^WS_ERR_CONNECTION_FAILED<(ENOTFOUND|EAI_AGAIN)$/);
  });
});
