/**
 * permessage-deflate through the public API, against `ws` in both roles and
 * across the parameter combinations RFC 7692 defines, plus the WebSocket
 * API's view of it (`extensions`, `send(data, { compress: false })`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocket as WsWebSocket, WebSocketServer as WsServer } from 'ws';
import { type PerMessageDeflateOptions } from '../../src/handshake/permessage-deflate.js';
import { WebSocket } from '../../src/index.js';
import { nextEvent, recordEvents, startEchoServer, startRawServer } from '../support/api.js';

/** Messages that exercise context takeover (repeats), large binary, empty and sub-threshold ones. */
function messages(): (string | Buffer)[] {
  const json = JSON.stringify({ user: 'alice', items: Array.from({ length: 60 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'] })) });
  const binary = Buffer.from(Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251));
  return [json, json, json.replace('alice', 'bob'), binary, '', 'short', Buffer.alloc(70_000, 0x20), '€'.repeat(3000)];
}

const same = (a: unknown, b: string | Buffer) => (typeof b === 'string' ? a === b : Buffer.isBuffer(a) && b.equals(a));

/** Our client and ws server option pairs (ws uses the same names). */
const combinations: [string, PerMessageDeflateOptions, Record<string, unknown>][] = [
  ['defaults', {}, {}],
  ['client asks server_no_context_takeover', { serverNoContextTakeover: true }, {}],
  ['server forces server_no_context_takeover', {}, { serverNoContextTakeover: true }],
  ['client_no_context_takeover from the client', { clientNoContextTakeover: true }, {}],
  ['client_no_context_takeover from the server', {}, { clientNoContextTakeover: true }],
  ['server_max_window_bits=9 asked', { serverMaxWindowBits: 9 }, {}],
  ['server_max_window_bits=12 asked, server allows 10', { serverMaxWindowBits: 12 }, { serverMaxWindowBits: 10 }],
  ['client_max_window_bits limited to 9 by the server', {}, { clientMaxWindowBits: 9 }],
  ['client promises client_max_window_bits=11', { clientMaxWindowBits: 11 }, {}],
  ['everything at once', { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 12 }, { clientMaxWindowBits: 11 }],
];

describe('rfc6455 client ↔ ws server with permessage-deflate', () => {
  for (const [name, ours, theirs] of combinations) {
    it(name, async (t) => {
      const server = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0, ...theirs } });
      t.after(() => server.close());
      await new Promise((resolve) => server.once('listening', resolve));
      server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
      const { port } = server.address() as { port: number };
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, [], { perMessageDeflate: { threshold: 0, ...ours } });
      ws.binaryType = 'nodebuffer';
      const received: unknown[] = [];
      ws.onmessage = (event) => received.push(event.data);
      await nextEvent(ws, 'open');
      assert.ok(ws.extensions.startsWith('permessage-deflate'), ws.extensions);
      const sent = messages();
      for (const message of sent) ws.send(message);
      while (received.length < sent.length) await nextEvent(ws, 'message');
      sent.forEach((message, i) => assert.ok(same(received[i], message), `message ${i}`));
      ws.close();
      await nextEvent(ws, 'close');
    });
  }
});

describe('ws client ↔ rfc6455 server with permessage-deflate', () => {
  for (const [name, theirs, ours] of combinations) {
    it(name, async (t) => {
      const { url } = await startEchoServer(t, { perMessageDeflate: { threshold: 0, ...(ours as PerMessageDeflateOptions) } });
      const client = new WsWebSocket(url, { perMessageDeflate: { threshold: 0, ...theirs } as object });
      await new Promise((resolve, reject) => {
        client.once('open', resolve);
        client.once('error', reject);
      });
      assert.ok(client.extensions.startsWith('permessage-deflate'), client.extensions);
      const received: unknown[] = [];
      client.on('message', (data: Buffer, isBinary: boolean) => received.push(isBinary ? data : data.toString()));
      const sent = messages();
      for (const message of sent) client.send(message);
      while (received.length < sent.length) await new Promise((resolve) => client.once('message', resolve));
      sent.forEach((message, i) => assert.ok(same(received[i], message), `message ${i}`));
      client.close();
      await new Promise((resolve) => client.once('close', resolve));
    });
  }
});

describe('the WebSocket API with permessage-deflate', () => {
  it('extensions reports exactly what the server answered; off by default on both sides', async (t) => {
    const { url } = await startEchoServer(t, { perMessageDeflate: { serverMaxWindowBits: 10 } });
    const ws = new WebSocket(url, [], { perMessageDeflate: { serverNoContextTakeover: true } });
    await nextEvent(ws, 'open');
    assert.equal(ws.extensions, 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10');
    ws.close();
    const plain = new WebSocket(url);
    await nextEvent(plain, 'open');
    assert.equal(plain.extensions, '', 'a client that does not offer gets none');
    plain.close();
    const { url: plainServer } = await startEchoServer(t);
    const offering = new WebSocket(plainServer, [], { perMessageDeflate: true });
    await nextEvent(offering, 'open');
    assert.equal(offering.extensions, '', 'a server without the option declines');
    offering.close();
    await nextEvent(offering, 'close');
  });

  for (const answer of ['permessage-deflate; server_max_window_bits=16', 'permessage-deflate; foo=bar', 'permessage-deflate; client_max_window_bits=8']) {
    it(`an invalid answer fails the connection (RFC 7692 §5.1): ${answer}`, async (t) => {
      const { computeAcceptKey } = await import('../../src/handshake/accept-key.js');
      const { url } = await startRawServer(t, () => {}, (key) =>
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\nSec-WebSocket-Extensions: ${answer}\r\n\r\n`);
      const ws = new WebSocket(url, [], { perMessageDeflate: true });
      const log = recordEvents(ws);
      const closed = nextEvent(ws, 'close');
      const error = await nextEvent<Event & { error: { code: string } }>(ws, 'error');
      await closed;
      assert.equal(error.error.code, 'WS_ERR_INVALID_EXTENSION_HEADER');
      assert.deepEqual(log, ['error', 'close:1006::false'], 'no open event');
    });
  }

  it('send(data, { compress: false }) and the threshold keep a message uncompressed on the wire', async (t) => {
    let rsv1: boolean[] = [];
    const server = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true });
    t.after(() => server.close());
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (socket) => {
      // Peek at the raw frames' first byte: RSV1 is 0x40.
      const raw = (socket as unknown as { _socket: { on(e: string, f: (b: Buffer) => void): void } })._socket;
      raw.on('data', (chunk: Buffer) => rsv1.push((chunk[0]! & 0x40) !== 0));
      socket.on('message', () => socket.send('ack'));
    });
    const { port } = server.address() as { port: number };
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, [], { perMessageDeflate: { threshold: 100 } });
    await nextEvent(ws, 'open');
    rsv1 = [];
    ws.send('x'.repeat(1000));
    await nextEvent(ws, 'message');
    ws.send('x'.repeat(1000), { compress: false });
    await nextEvent(ws, 'message');
    ws.send('tiny');
    await nextEvent(ws, 'message');
    assert.deepEqual(rsv1, [true, false, false]);
    ws.close();
    await nextEvent(ws, 'close');
  });
});
