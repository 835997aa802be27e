/**
 * WebSocketServer: standalone (net and TLS), attached to node:http/https,
 * noServer with handleUpgrade; policy (path, origin, verifyClient,
 * subprotocols); shutdown with 1001.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { type CloseEvent, type ErrorEvent, WebSocket, WebSocketServer } from '../../src/index.js';
import { nextEvent, openClient, recordEvents, startEchoServer, startServer } from '../support/api.js';

const tls = {
  cert: readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url)),
  key: readFileSync(new URL('../fixtures/tls/key.pem', import.meta.url)),
};

/** Send a raw request and return the status line of the response. */
async function rawStatus(port: number, request: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.write(request);
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString('latin1')));
  await once(socket, 'close');
  return text.split('\r\n')[0]!;
}

const handshake = (path = '/', extra = '') =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;

describe('WebSocketServer', () => {
  it('emits connection with a server-role WebSocket of the same class, and tracks clients', async (t) => {
    const { wss, url } = await startServer(t);
    const accepted = new Promise<[WebSocket, { url: string; headers: Record<string, string> }]>((resolve) => wss.on('connection', (ws, request) => resolve([ws, request])));
    const client = await openClient(`${url}/room?id=7`);
    const [ws, request] = await accepted;
    assert.ok(ws instanceof WebSocket);
    assert.equal(ws.readyState, WebSocket.OPEN);
    assert.equal(request.url, '/room?id=7');
    assert.equal(ws.url, `${url.replace('127.0.0.1', '127.0.0.1')}/room?id=7`);
    assert.equal(wss.clients.size, 1);
    client.close();
    await nextEvent(ws, 'close');
    assert.equal(wss.clients.size, 0);
  });

  it('messages from a client that did not wait for the 101 are not lost', async (t) => {
    const { wss, port } = await startServer(t);
    const received = new Promise<string>((resolve) => wss.on('connection', (ws) => ws.addEventListener('message', (e) => resolve((e as MessageEvent).data as string))));
    const socket = connect(port, '127.0.0.1');
    // Request and a first masked text frame ("hi") in one write.
    socket.write(Buffer.concat([Buffer.from(handshake()), Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x68 ^ 1, 0x69 ^ 2])]));
    assert.equal(await received, 'hi');
    socket.destroy();
  });

  const refusals: [string, Parameters<typeof startServer>[1], string, string][] = [
    ['a plain HTTP request', {}, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'HTTP/1.1 426 Upgrade Required'],
    ['a wrong version', {}, handshake('/').replace('Version: 13', 'Version: 8'), 'HTTP/1.1 426 Upgrade Required'],
    ['a POST', {}, handshake().replace('GET', 'POST'), 'HTTP/1.1 405 Method Not Allowed'],
    ['a bad key', {}, handshake().replace('dGhlIHNhbXBsZSBub25jZQ==', 'short'), 'HTTP/1.1 400 Bad Request'],
    ['another path', { path: '/ws' }, handshake('/other'), 'HTTP/1.1 404 Not Found'],
    ['a foreign origin', { allowedOrigins: ['https://app.example'] }, handshake('/', 'Origin: https://evil.example\r\n'), 'HTTP/1.1 403 Forbidden'],
    ['verifyClient saying no', { verifyClient: () => false }, handshake(), 'HTTP/1.1 403 Forbidden'],
    ['verifyClient answering 401', { verifyClient: async () => ({ status: 401, message: 'who are you' }) }, handshake(), 'HTTP/1.1 401 Unauthorized'],
    ['a request with a body', {}, handshake('/', 'Content-Length: 5\r\n'), 'HTTP/1.1 400 Bad Request'],
    ['garbage', {}, '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
  ];
  for (const [name, options, request, status] of refusals) {
    it(`refuses ${name} with "${status.slice(9)}" and closes the socket`, async (t) => {
      const { wss, port } = await startServer(t, options);
      const errors: string[] = [];
      wss.on('handshakeError', (error) => errors.push(error.code));
      let connected = false;
      wss.on('connection', () => (connected = true));
      assert.equal(await rawStatus(port, request), status);
      assert.equal(connected, false);
      assert.equal(errors.length, 1);
    });
  }

  it('accepts an allowed origin and a request without Origin', async (t) => {
    const { url } = await startEchoServer(t, { allowedOrigins: ['https://app.example'] });
    const withOrigin = await openClient(url.replace('ws:', 'ws:'), undefined);
    withOrigin.close();
    const ws = new WebSocket(url, [], { origin: 'https://app.example' });
    await nextEvent(ws, 'open');
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('cuts off a client that never finishes its headers (slowloris) at handshakeTimeout', async (t) => {
    const { port } = await startServer(t, { handshakeTimeout: 80 });
    const started = Date.now();
    const status = await rawStatus(port, 'GET / HTTP/1.1\r\nHost: x\r\n');
    assert.equal(status, 'HTTP/1.1 408 Request Timeout');
    assert.ok(Date.now() - started < 2000);
  });

  it('handleProtocols selects the subprotocol; one the client did not offer is refused', async (t) => {
    const { url } = await startEchoServer(t, { handleProtocols: (offered) => offered.at(-1) });
    const ws = await openClient(url, ['a', 'b']);
    assert.equal(ws.protocol, 'b');
    ws.close();
    const bad = await startServer(t, { handleProtocols: () => 'c' });
    const refused = new WebSocket(bad.url, ['a']);
    const error = await nextEvent<ErrorEvent>(refused, 'error');
    assert.equal((error.error as { status?: number }).status, 500);
  });

  it('close() closes every client with 1001 and resolves when all are closed', async (t) => {
    const { wss, url } = await startServer(t);
    wss.on('connection', (ws) => ws.send('welcome'));
    const clients = await Promise.all([openClient(url), openClient(url), openClient(url)]);
    const closes = clients.map((ws) => nextEvent<CloseEvent>(ws, 'close'));
    await wss.close();
    for (const event of await Promise.all(closes)) assert.deepEqual([event.code, event.wasClean], [1001, true]);
    assert.equal(wss.clients.size, 0);
    // The listening socket is closed too.
    const ws = new WebSocket(url);
    const log = recordEvents(ws);
    await nextEvent(ws, 'close');
    assert.deepEqual(log, ['error', 'close:1006::false']);
  });

  it('close() delivers messages already accepted by send() before the 1001', async (t) => {
    const { wss, url } = await startServer(t);
    const ws = new WebSocket(url);
    ws.binaryType = 'nodebuffer';
    const log = recordEvents(ws, ['message', 'close']);
    const [serverSide] = (await once(wss, 'connection')) as [WebSocket];
    await nextEvent(ws, 'open');
    for (let i = 0; i < 100; i++) serverSide.send(`m${i}`);
    await wss.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(log.length, 101);
    assert.equal(log[99], 'message:m99');
    assert.equal(log[100], 'close:1001:Server shutting down:true');
  });

  it('listen() rejects when the port is taken', async (t) => {
    const { port } = await startServer(t);
    const second = new WebSocketServer({ port });
    await assert.rejects(second.listen(), /EADDRINUSE/);
    await second.close();
  });

  it('rejects conflicting modes', () => {
    assert.throws(() => new WebSocketServer({ port: 1, noServer: true }), TypeError);
  });
});

describe('WebSocketServer on a node:http server', () => {
  it('attached with { server }: upgrades go to WebSocket, plain requests stay with http', async (t) => {
    const http = createHttpServer((_req, res) => res.end('plain http'));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    t.after(() => http.close());
    const wss = new WebSocketServer({ server: http, path: '/ws' });
    t.after(() => wss.close());
    wss.on('connection', (ws) => ws.addEventListener('message', (e) => ws.send(`echo ${(e as MessageEvent).data}`)));
    const { port } = await wss.listen();
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(await response.text(), 'plain http');
    const ws = await openClient(`ws://127.0.0.1:${port}/ws`);
    ws.send('hi');
    assert.equal((await nextEvent<MessageEvent>(ws, 'message')).data, 'echo hi');
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('noServer: handleUpgrade from the application\'s own upgrade listener', async (t) => {
    const wss = new WebSocketServer({ noServer: true });
    t.after(() => wss.close());
    const http = createHttpServer();
    http.on('upgrade', (req, socket, head) => {
      if (req.headers['authorization'] !== 'Bearer ok') {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        return;
      }
      void wss.handleUpgrade(req, socket, head).then((ws) => ws?.send('authorized'));
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    t.after(() => http.close());
    const { port } = http.address() as { port: number };
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, [], { headers: { Authorization: 'Bearer ok' } });
    assert.equal((await nextEvent<MessageEvent>(ws, 'message')).data, 'authorized');
    ws.close();
    await nextEvent(ws, 'close');
    const refused = new WebSocket(`ws://127.0.0.1:${port}/`);
    const error = await nextEvent<ErrorEvent>(refused, 'error');
    assert.equal((error.error as { status?: number }).status, 401);
  });
});

describe('TLS (wss:)', () => {
  it('standalone with { tls }', async (t) => {
    const wss = new WebSocketServer({ port: 0, tls });
    t.after(() => wss.close());
    wss.on('connection', (ws, request) => ws.send(`secure=${request.secure}`));
    const { port } = await wss.listen();
    const ws = new WebSocket(`wss://localhost:${port}/`, [], { tls: { ca: tls.cert } });
    assert.equal((await nextEvent<MessageEvent>(ws, 'message')).data, 'secure=true');
    assert.ok(ws.url.startsWith('wss://'));
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('attached to an https server', async (t) => {
    const https = createHttpsServer(tls);
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    t.after(() => https.close());
    const wss = new WebSocketServer({ server: https });
    t.after(() => wss.close());
    wss.on('connection', (ws) => ws.send('over https'));
    const { port } = https.address() as { port: number };
    const ws = new WebSocket(`wss://127.0.0.1:${port}/`, [], { tls: { ca: tls.cert } });
    assert.equal((await nextEvent<MessageEvent>(ws, 'message')).data, 'over https');
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('an untrusted certificate fails the connection: error then close 1006', async (t) => {
    const wss = new WebSocketServer({ port: 0, tls });
    t.after(() => wss.close());
    const { port } = await wss.listen();
    const ws = new WebSocket(`wss://localhost:${port}/`);
    const log = recordEvents(ws);
    await nextEvent(ws, 'close');
    assert.deepEqual(log, ['error', 'close:1006::false']);
  });
});
