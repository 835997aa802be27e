/**
 * Regressions for the bugs the reliability work found (fuzzing, fault
 * injection), each written as the behaviour that must hold.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { constants as zlibConstants, deflateRawSync } from 'node:zlib';
import { Opcode } from '../../src/frame/opcode.js';
import { encodeClosePayload, encodeFrame } from '../../src/frame/serializer.js';
import { WebSocket, WebSocketServer } from '../../src/index.js';
import { acceptResponse, connectRaw, rawWebSocket, readHead, Recorder } from '../support/raw-peer.js';
import { watch } from '../support/watch.js';

const MiB = 1024 * 1024;
/** A compressed message body: deflate with a sync flush, trailer removed (RFC 7692 §7.2.1). */
const compress = (text: string) => {
  const out = deflateRawSync(Buffer.from(text), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
};

describe('regressions', () => {
  it('a frame header announcing 64 MiB reserves nothing before the payload arrives (server, 20 peers)', async () => {
    const wss = new WebSocketServer({ port: 0 });
    const { port } = await wss.listen();
    globalThis.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    const peers = [];
    for (let i = 0; i < 20; i++) {
      const { recorder } = await rawWebSocket(port);
      recorder.socket.write(Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x04, 0, 0, 0, 1, 2, 3, 4, 9]));
      peers.push(recorder);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const grown = (process.memoryUsage().arrayBuffers - before) / MiB;
    for (const peer of peers) peer.socket.destroy();
    await wss.close();
    assert.ok(grown < 16, `300 bytes received, ${grown.toFixed(0)} MiB of buffers allocated`);
  });

  it('wss.close() does not wait for a handshake still in progress', async () => {
    const wss = new WebSocketServer({ port: 0, handshakeTimeout: 5000 });
    const { port } = await wss.listen();
    const slow = await connectRaw(port);
    slow.socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await wss.close();
    const elapsed = Date.now() - started;
    slow.socket.destroy();
    assert.ok(elapsed < 1000, `wss.close() took ${elapsed} ms`);
  });

  it('a compressed message ending its DEFLATE stream with BFINAL does not empty later messages', async () => {
    const wss = new WebSocketServer({ port: 0, perMessageDeflate: true });
    const { port } = await wss.listen();
    const got: string[] = [];
    wss.on('connection', (ws) => ws.addEventListener('message', (e) => got.push((e as MessageEvent).data as string)));
    const { recorder } = await rawWebSocket(port, { extensions: 'permessage-deflate' });
    recorder.socket.write(Buffer.concat([
      ...encodeFrame(Opcode.Text, deflateRawSync(Buffer.from('first')), { mask: true, rsv1: true }), // Z_FINISH: BFINAL=1
      ...encodeFrame(Opcode.Text, compress('second'), { mask: true, rsv1: true }),
      ...encodeFrame(Opcode.Text, compress('third'), { mask: true, rsv1: true }),
    ]));
    for (let i = 0; i < 100 && got.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    recorder.socket.destroy();
    await wss.close();
    assert.deepEqual(got, ['first', 'second', 'third']);
  });

  it('server: a compressed message, a close frame and FIN in one segment are all processed', async () => {
    const wss = new WebSocketServer({ port: 0, perMessageDeflate: true });
    const { port } = await wss.listen();
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    const { recorder } = await rawWebSocket(port, { extensions: 'permessage-deflate' });
    const server = watch((await accepted)[0]);
    recorder.socket.end(Buffer.concat([
      ...encodeFrame(Opcode.Text, compress('hello'), { mask: true, rsv1: true }),
      ...encodeFrame(Opcode.Close, encodeClosePayload(1000, 'bye'), { mask: true }),
    ]));
    await server.closed;
    await wss.close();
    assert.deepEqual(server.log, ['message@1', 'close@3:1000:true']);
  });

  it('client: the server sending a compressed message, its close frame and FIN at once', async (t) => {
    const server = createServer(async (socket) => {
      const { head } = await readHead(new Recorder(socket), 'request');
      socket.end(Buffer.concat([
        Buffer.from(acceptResponse(head.headers['sec-websocket-key'] ?? '', 'permessage-deflate')),
        ...encodeFrame(Opcode.Text, compress('goodbye'), { rsv1: true }),
        ...encodeFrame(Opcode.Close, encodeClosePayload(1000, 'bye')),
      ]));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const client = watch(new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}/`, [], { perMessageDeflate: true }));
    await client.closed;
    assert.deepEqual(client.log, ['open@1', 'message@1', 'close@3:1000:true']);
  });

  it('simultaneous close while the server\'s close frame waits behind a compression: both sides close cleanly', async () => {
    const wss = new WebSocketServer({ port: 0, perMessageDeflate: true });
    const { port } = await wss.listen();
    let server: ReturnType<typeof watch> | undefined;
    wss.on('connection', (ws) => {
      server = watch(ws);
      ws.addEventListener('message', () => {
        ws.send('x'.repeat(8 * MiB));
        ws.close(1000, 'server done');
      });
    });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, [], { perMessageDeflate: true });
    const client = watch(ws);
    ws.addEventListener('open', () => {
      ws.send('go');
      ws.close(1000, 'client done');
    });
    await client.closed;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await wss.close();
    assert.deepEqual(client.log, ['open@1', 'close@3:1000:true']);
    assert.deepEqual(server!.log, ['message@1', 'close@3:1000:true']);
  });

  it('with tls, handshakeTimeout also bounds the TLS handshake', async () => {
    const tls = {
      cert: readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url)),
      key: readFileSync(new URL('../fixtures/tls/key.pem', import.meta.url)),
    };
    const wss = new WebSocketServer({ port: 0, tls, handshakeTimeout: 200 });
    const { port } = await wss.listen();
    const peer = await connectRaw(port, '127.0.0.1', { allowHalfOpen: false }); // never sends a ClientHello
    const started = Date.now();
    await Promise.race([peer.closed, new Promise((resolve) => setTimeout(resolve, 3000))]);
    const elapsed = Date.now() - started;
    peer.socket.destroy();
    await wss.close();
    assert.ok(elapsed < 2000, `the socket was still open after ${elapsed} ms`);
  });
});
