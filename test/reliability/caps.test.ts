/**
 * Resource caps under hostile peers, on a live WebSocketServer: the default
 * request-head limits, many slowloris clients at once, a message made of a
 * million 1-byte fragments (cost, and maxPayload across fragments), and a
 * ping flood from a peer that never reads.
 *
 * Already proven elsewhere (not repeated here):
 * - head size/count limits of readRequestHead and the client's response
 *   reader, one slowloris client, a client that sends nothing:
 *   test/handshake/server-accept.test.ts ("answers an oversized head with
 *   431…", "answers too many header fields with 431", "cuts off a client that
 *   dribbles its headers forever…"), test/api/server.test.ts ("cuts off a
 *   client that never finishes its headers (slowloris)…"),
 *   test/handshake/client-connect.test.ts ("fails with WS_ERR_HEADER_TOO_LARGE…");
 * - maxPayload checked from the frame header: test/frame/parser.test.ts
 *   ("rejects an oversized frame from its header…"), a million empty
 *   fragments in the pure parser ("a million empty fragments cost no memory
 *   per fragment");
 * - close timeout: test/socket/connection.test.ts ("close timeout: a peer
 *   that never answers…"), test/api/websocket-send-close.test.ts;
 *   the server side is in ./shutdown.test.ts;
 * - deflate bombs: test/socket/permessage-deflate.test.ts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import { Opcode } from '../../src/frame/opcode.js';
import { encodeFrame } from '../../src/frame/serializer.js';
import { type CloseEvent, type ErrorEvent, WebSocket, WebSocketServer, type WebSocketServerOptions } from '../../src/index.js';
import { connectRaw, rawWebSocket, upgradeRequest } from '../support/raw-peer.js';
import { referenceReceive } from '../support/reference-receiver.js';

const MiB = 1024 * 1024;

async function server(t: TestContext, options: WebSocketServerOptions = {}) {
  const wss = new WebSocketServer({ port: 0, ...options });
  const { port } = await wss.listen();
  t.after(() => wss.close());
  return { wss, port };
}

function heapNow(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

/** The status line the server answers `request` with. */
async function statusFor(port: number, request: string): Promise<string> {
  const peer = await connectRaw(port);
  peer.socket.end(request);
  await peer.closed;
  return peer.bytes.toString('latin1').split('\r\n')[0] ?? '';
}

describe('request head limits (WebSocketServer defaults: 16 KiB, 100 fields)', () => {
  /** A request of exactly `bytes` bytes with exactly `fields` header fields (5 of them the handshake's: Host, Upgrade, Connection, key, version). */
  function request(bytes: number, fields: number): string {
    const extra: Record<string, string> = {};
    for (let i = 0; i < fields - 5; i++) extra[`X-F${String(i).padStart(3, '0')}`] = 'v';
    const base = upgradeRequest({ headers: extra });
    extra['X-F000'] = 'v'.repeat(1 + bytes - base.length);
    const text = upgradeRequest({ headers: extra });
    assert.equal(text.length, bytes);
    return text;
  }

  it('accepts a head of exactly 16,384 bytes and 100 fields', { timeout: 10_000 }, async (t) => {
    const { port } = await server(t);
    assert.equal(await statusFor(port, request(16 * 1024, 100)), 'HTTP/1.1 101 Switching Protocols');
  });

  it('refuses one byte more with 431', { timeout: 10_000 }, async (t) => {
    const { port } = await server(t);
    assert.equal(await statusFor(port, request(16 * 1024 + 1, 100)), 'HTTP/1.1 431 Request Header Fields Too Large');
  });

  it('refuses a 101st field with 431', { timeout: 10_000 }, async (t) => {
    const { port } = await server(t);
    assert.equal(await statusFor(port, request(4096, 101)), 'HTTP/1.1 431 Request Header Fields Too Large');
  });

  it('refuses megabytes of head without buffering them: 431 as soon as 16 KiB have passed', { timeout: 10_000 }, async (t) => {
    const { port } = await server(t);
    const peer = await connectRaw(port);
    peer.socket.write('GET / HTTP/1.1\r\nX-Big: ');
    let sent = 0;
    while (!peer.ended && sent < 8 * MiB) {
      peer.socket.write('v'.repeat(64 * 1024));
      sent += 64 * 1024;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(peer.ended, 'the server answered and ended');
    assert.ok(sent < 4 * MiB, `the server let ${sent} bytes in before refusing`);
    assert.equal(peer.bytes.toString('latin1').split('\r\n')[0], 'HTTP/1.1 431 Request Header Fields Too Large');
    peer.socket.destroy();
  });
});

describe('slowloris', () => {
  it('300 clients dribbling their heads are all cut off with 408 at handshakeTimeout while a real client is served', { timeout: 20_000 }, async (t) => {
    const { wss, port } = await server(t, { handshakeTimeout: 400 });
    wss.on('connection', (ws) => ws.addEventListener('message', (event) => ws.send((event as MessageEvent).data as string)));
    const heapBefore = heapNow();
    const started = Date.now();
    const attackers = await Promise.all(Array.from({ length: 300 }, () => connectRaw(port)));
    const dribble = setInterval(() => {
      for (const peer of attackers) if (!peer.socket.destroyed && peer.socket.writable) peer.socket.write('X');
    }, 20);
    t.after(() => clearInterval(dribble));
    for (const peer of attackers) peer.socket.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    // Meanwhile a well-behaved client gets through.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await once(ws, 'open');
    ws.send('still serving');
    assert.equal((await once(ws, 'message') as [MessageEvent])[0].data, 'still serving');
    ws.close();
    await Promise.all(attackers.map((peer) => peer.closed));
    clearInterval(dribble);
    const elapsed = Date.now() - started;
    for (const peer of attackers) assert.equal(peer.bytes.toString('latin1').split('\r\n')[0], 'HTTP/1.1 408 Request Timeout');
    assert.ok(elapsed < 5000, `all cut off after ${elapsed} ms`);
    const grown = (heapNow() - heapBefore) / MiB;
    assert.ok(grown < 16, `heap grew by ${grown.toFixed(1)} MiB`);
  });
});

/** A masked text message of `count` one-byte fragments ("a" each), as one buffer. */
function millionFragments(count: number): Buffer {
  const key = [0x12, 0x34, 0x56, 0x78];
  const frame = 2 + 4 + 1;
  const bytes = Buffer.allocUnsafe(count * frame);
  for (let i = 0; i < count; i++) {
    const at = i * frame;
    bytes[at] = (i === count - 1 ? 0x80 : 0x00) | (i === 0 ? Opcode.Text : Opcode.Continuation);
    bytes[at + 1] = 0x80 | 1;
    bytes[at + 2] = key[0]!;
    bytes[at + 3] = key[1]!;
    bytes[at + 4] = key[2]!;
    bytes[at + 5] = key[3]!;
    bytes[at + 6] = 0x61 ^ key[0]!;
  }
  return bytes;
}

describe('maxPayload across many tiny fragments', () => {
  it('a message of a million 1-byte fragments arrives intact without an object per fragment', { timeout: 20_000 }, async (t) => {
    const { wss, port } = await server(t);
    const received = new Promise<string>((resolve) => wss.on('connection', (ws) => ws.addEventListener('message', (e) => resolve((e as MessageEvent).data as string))));
    const { recorder } = await rawWebSocket(port);
    const frames = millionFragments(1_000_000);
    const heapBefore = heapNow();
    let peakHeap = heapBefore;
    const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 5);
    recorder.socket.write(frames);
    const message = await received;
    clearInterval(sampler);
    assert.equal(message.length, 1_000_000);
    assert.ok(message === 'a'.repeat(1_000_000), 'the message is byte-exact');
    // A million fragments as objects would be tens of MiB of heap; the message itself is 1 MB.
    const grown = (peakHeap - heapBefore) / MiB;
    assert.ok(grown < 24, `heap grew by up to ${grown.toFixed(1)} MiB while assembling`);
    recorder.socket.destroy();
  });

  it('maxPayload counts every fragment: the message fails with 1009 as soon as it passes the limit', { timeout: 20_000 }, async (t) => {
    const { wss, port } = await server(t, { maxPayload: 100_000 });
    const serverEvents: string[] = [];
    const closed = new Promise<void>((resolve) => wss.on('connection', (ws) => {
      ws.addEventListener('message', () => serverEvents.push('message'));
      ws.addEventListener('error', (e) => serverEvents.push(`error ${((e as ErrorEvent).error as { code?: string }).code}`));
      ws.addEventListener('close', (e) => {
        serverEvents.push(`close ${(e as CloseEvent).code} ${(e as CloseEvent).wasClean}`);
        resolve();
      });
    }));
    const { recorder, headBytes } = await rawWebSocket(port);
    // 1,000,000 fragments, written in 10 pieces; the server must fail during the second piece.
    const frames = millionFragments(1_000_000);
    let pieces = 0;
    for (; pieces < 10 && !recorder.ended; pieces++) {
      recorder.socket.write(frames.subarray(pieces * 700_000, (pieces + 1) * 700_000));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(pieces < 10, 'the server failed the message before the client had sent it all');
    recorder.socket.end();
    await closed;
    await recorder.closed;
    const wire = referenceReceive(recorder.bytes.subarray(headBytes), { role: 'client', maxPayload: MiB });
    assert.deepEqual(wire.end, { kind: 'close', code: 1009, reason: '' });
    assert.deepEqual(serverEvents, ['error WS_ERR_MESSAGE_TOO_BIG', 'close 1006 false']);
  });
});

describe('ping flood', () => {
  it('a peer that sends 200,000 pings and never reads cannot grow the server\'s pending pongs; the last ping is answered', { timeout: 30_000 }, async (t) => {
    const { wss, port } = await server(t);
    const { internalConnection } = await import('../../src/api/websocket.js');
    let serverSide: WebSocket | undefined;
    let pings = 0;
    wss.on('connection', (ws) => {
      serverSide = ws;
      ws.addEventListener('ping', () => pings++);
      ws.addEventListener('message', (e) => ws.send((e as MessageEvent).data as string));
    });
    const { recorder, headBytes } = await rawWebSocket(port);
    recorder.socket.pause(); // never read: the server's pongs back up
    const count = 200_000;
    const flood = Buffer.concat(Array.from({ length: count }, (_, i) => {
      const payload = Buffer.alloc(125, 0x70);
      payload.writeUInt32BE(i);
      return Buffer.concat(encodeFrame(Opcode.Ping, payload, { mask: true }));
    }));
    const heapBefore = heapNow();
    const arrayBuffersBefore = process.memoryUsage().arrayBuffers;
    recorder.socket.write(flood);
    const deadline = Date.now() + 20_000;
    while (pings < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(pings, count, 'every ping was read and processed');
    const transport = internalConnection(serverSide!).transport!;
    assert.ok(transport.writableLength < MiB, `${transport.writableLength} bytes of pongs queued in the server`);
    const heapGrown = (heapNow() - heapBefore) / MiB;
    const buffersGrown = (process.memoryUsage().arrayBuffers - arrayBuffersBefore) / MiB;
    assert.ok(heapGrown < 16 && buffersGrown < 16, `heap +${heapGrown.toFixed(1)} MiB, buffers +${buffersGrown.toFixed(1)} MiB (26 MB of pings went in)`);
    // Reading again: the connection is healthy, the most recent ping was answered (RFC 6455 §5.5.3).
    recorder.socket.resume();
    recorder.socket.write(Buffer.concat(encodeFrame(Opcode.Text, 'alive?', { mask: true })));
    const end = Date.now() + 10_000;
    let wire = referenceReceive(recorder.bytes.subarray(headBytes), { role: 'client', maxPayload: MiB });
    while (wire.messages.length === 0 && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      wire = referenceReceive(recorder.bytes.subarray(headBytes), { role: 'client', maxPayload: MiB });
    }
    assert.equal(wire.messages[0]?.data.toString(), 'alive?');
    assert.ok(wire.pongs.length >= 1 && wire.pongs.length < count, `${wire.pongs.length} pongs for ${count} pings`);
    assert.equal(wire.pongs.at(-1)!.readUInt32BE(0), count - 1, 'the last pong answers the last ping');
    recorder.socket.destroy();
  });
});
