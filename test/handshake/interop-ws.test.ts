/**
 * Interoperability of the handshake with a real peer, the `ws` package
 * (devDependency): our client against ws's WebSocketServer, and ws's client
 * against our server glue — handshake and first frame only.
 */
import assert from 'node:assert/strict';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import * as tls from 'node:tls';
import { WebSocket, WebSocketServer } from 'ws';
import { connectClient } from '../../src/handshake/client-connect.js';
import type { HandshakeError } from '../../src/handshake/errors.js';
import { readRequestHead, rejectConnection } from '../../src/handshake/server-accept.js';
import { buildAcceptResponse, validateClientRequest } from '../../src/handshake/server-request.js';
import { parseWebSocketUrl } from '../../src/handshake/url.js';
import { handshakeError, listen, TLS_CERT, TLS_KEY } from './helpers.js';

/** Read `length` bytes: first from `head`, then from the paused socket. */
function firstBytes(head: Buffer, socket: net.Socket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let bytes = head;
    if (bytes.length >= length) return resolve(bytes.subarray(0, length));
    const onData = (chunk: Buffer): void => {
      bytes = Buffer.concat([bytes, chunk]);
      if (bytes.length >= length) {
        socket.off('data', onData);
        resolve(bytes.subarray(0, length));
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed early')));
    socket.resume();
  });
}

async function wsServer(t: TestContext, options: ConstructorParameters<typeof WebSocketServer>[0]): Promise<{ wss: WebSocketServer; port: number }> {
  const wss = new WebSocketServer(options);
  wss.on('connection', (ws) => ws.send('hello', { compress: false }));
  if (options?.server === undefined) await new Promise((resolve) => wss.once('listening', resolve));
  t.after(() => new Promise((resolve) => {
    for (const client of wss.clients) client.terminate();
    wss.close(resolve);
  }));
  const port = options?.server === undefined ? (wss.address() as AddressInfo).port : 0;
  return { wss, port };
}

describe('connectClient against ws\'s WebSocketServer', () => {
  it('negotiates a subprotocol and permessage-deflate, and receives the first frame intact', async (t) => {
    const { port } = await wsServer(t, {
      host: '127.0.0.1',
      port: 0,
      perMessageDeflate: true,
      handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
    });
    const result = await connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), {
      protocols: ['superchat', 'chat'],
      extensions: 'permessage-deflate; client_max_window_bits',
    });
    t.after(() => result.socket.destroy());
    assert.equal(result.protocol, 'chat');
    assert.match(result.extensions, /^permessage-deflate/);
    // Sent with compress: false: a plain text frame even though the extension is on.
    const frame = await firstBytes(result.head, result.socket, 7);
    assert.equal(frame.toString('hex'), '810568656c6c6f');
  });

  it('reports ws\'s refusal as WS_ERR_UNEXPECTED_STATUS with its status', async (t) => {
    const { port } = await wsServer(t, { host: '127.0.0.1', port: 0, verifyClient: (_info, done) => done(false, 401, 'Unauthorized') });
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`)), handshakeError('WS_ERR_UNEXPECTED_STATUS', 401));
  });

  it('connects over TLS to ws behind https.createServer', async (t) => {
    const server = https.createServer({ key: TLS_KEY, cert: TLS_CERT });
    await wsServer(t, { server });
    const port = await listen(t, server);
    const result = await connectClient(parseWebSocketUrl(`wss://localhost:${port}/`), { tls: { ca: TLS_CERT } });
    t.after(() => result.socket.destroy());
    assert.equal((await firstBytes(result.head, result.socket, 7)).toString('hex'), '810568656c6c6f');
  });
});

describe('ws\'s client against our server glue', () => {
  /** A standalone server: our handshake, then an unmasked "hello" text frame in the same write. */
  async function ourServer(t: TestContext, secure = false, refuse?: number) {
    const handler = async (socket: net.Socket): Promise<void> => {
      try {
        const { head } = await readRequestHead(socket, { timeout: 2000 });
        socket.on('error', () => {});
        const request = validateClientRequest(head);
        if (refuse !== undefined) return rejectConnection(socket, refuse, 'go away', undefined, 200);
        const response = buildAcceptResponse({ key: request.key, ...(request.protocols.includes('chat') && { protocol: 'chat' }) });
        socket.write(Buffer.concat([Buffer.from(response), Buffer.from('810568656c6c6f', 'hex')]));
        socket.resume();
      } catch (error) {
        assert.fail(`server handshake failed: ${(error as HandshakeError).message}`);
      }
    };
    const server = secure
      ? tls.createServer({ key: TLS_KEY, cert: TLS_CERT }, (s) => void handler(s))
      : net.createServer((s) => void handler(s));
    return listen(t, server);
  }

  function open(t: TestContext, ws: WebSocket): Promise<string> {
    t.after(() => ws.terminate());
    return new Promise((resolve, reject) => {
      ws.on('message', (data) => resolve(String(data)));
      ws.on('error', reject);
    });
  }

  it('opens, agrees on the subprotocol, declines the unsupported permessage-deflate, and receives the frame', async (t) => {
    const port = await ourServer(t);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`, ['chat', 'other'], { perMessageDeflate: true });
    assert.equal(await open(t, ws), 'hello');
    assert.equal(ws.protocol, 'chat');
    assert.equal(ws.extensions, '');
  });

  it('opens over TLS', async (t) => {
    const port = await ourServer(t, true);
    const ws = new WebSocket(`wss://localhost:${port}/`, { ca: TLS_CERT });
    assert.equal(await open(t, ws), 'hello');
    assert.equal(ws.protocol, '');
  });

  it('sees our refusal as an HTTP error response', async (t) => {
    const port = await ourServer(t, false, 403);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    ws.on('error', () => {}); // terminate() on a socket that never opened reports one
    t.after(() => ws.terminate());
    const response = await new Promise<{ status: number; body: string }>((resolve) => {
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
    });
    assert.deepEqual(response, { status: 403, body: 'go away' });
  });
});
