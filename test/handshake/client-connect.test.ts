/**
 * connectClient on loopback sockets: plain TCP, TLS and Unix sockets against
 * node:http servers that perform the upgrade by hand, plus raw servers that
 * misbehave (silence, garbage, early close, oversized heads, redirects).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type * as tls from 'node:tls';
import { computeAcceptKey, isValidClientKey } from '../../src/handshake/accept-key.js';
import { type ClientHandshakeResult, connectClient, type ConnectClientOptions } from '../../src/handshake/client-connect.js';
import { HandshakeError } from '../../src/handshake/errors.js';
import { parseWebSocketUrl } from '../../src/handshake/url.js';
import { closed, handshakeError, listen, TLS_CERT, TLS_KEY } from './helpers.js';

const FRAME = Buffer.from([0x81, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]); // text "hello", unmasked

interface UpgradeReply {
  protocol?: string;
  extensions?: string;
  /** Bytes written in the same write as the 101 head. */
  after?: Buffer;
  /** Replaces the whole response. */
  raw?: string | Buffer;
}

/** The 101 for `req`, with optional protocol/extensions, as one buffer with `after` appended. */
function switchingProtocols(req: http.IncomingMessage, reply: UpgradeReply = {}): Buffer {
  if (reply.raw !== undefined) return Buffer.from(reply.raw);
  let head = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${computeAcceptKey(String(req.headers['sec-websocket-key']))}\r\n`;
  if (reply.protocol !== undefined) head += `Sec-WebSocket-Protocol: ${reply.protocol}\r\n`;
  if (reply.extensions !== undefined) head += `Sec-WebSocket-Extensions: ${reply.extensions}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), reply.after ?? Buffer.alloc(0)]);
}

interface Seen {
  requests: http.IncomingMessage[];
  sockets: net.Socket[];
}

/** A node:http server whose 'upgrade' handler answers by hand, as `reply` says. */
async function upgradeServer(
  t: TestContext,
  reply: (req: http.IncomingMessage) => UpgradeReply | null = () => ({}),
  secure = false,
): Promise<{ port: number; seen: Seen; server: http.Server }> {
  const seen: Seen = { requests: [], sockets: [] };
  const server = secure ? https.createServer({ key: TLS_KEY, cert: TLS_CERT, ALPNProtocols: ['h2', 'http/1.1'] }) : http.createServer();
  server.on('request', (_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    seen.requests.push(req);
    seen.sockets.push(socket);
    socket.on('error', () => {});
    // node:http sockets allow half-open connections; close ours when the client closes its side.
    socket.on('end', () => socket.end());
    const answer = reply(req);
    if (answer !== null) socket.write(switchingProtocols(req, answer));
  });
  const port = await listen(t, server);
  return { port, seen, server };
}

/** A raw TCP server: `onSocket` gets each connection. */
async function rawServer(t: TestContext, onSocket: (socket: net.Socket) => void): Promise<{ port: number; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    onSocket(socket);
    // Read (and by default discard) so the client's FIN is seen and the socket closes.
    socket.resume();
  });
  return { port: await listen(t, server), sockets };
}

async function connect(t: TestContext, url: string, options: ConnectClientOptions = {}): Promise<ClientHandshakeResult> {
  const result = await connectClient(parseWebSocketUrl(url), { handshakeTimeout: 2000, ...options });
  result.socket.on('error', () => {});
  t.after(() => result.socket.destroy());
  return result;
}

/** Listener counts a socket of this kind has on its own, to compare against after a handshake. */
function listenerCounts(socket: net.Socket): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of ['data', 'error', 'end', 'close', 'readable', 'timeout']) counts[event] = socket.listenerCount(event);
  return counts;
}

/** Read from a paused handed-over socket until `length` bytes arrived. */
function readBytes(socket: net.Socket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= length) {
        socket.off('data', onData);
        socket.pause();
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed after ${size} of ${length} bytes`)));
    socket.resume();
  });
}

describe('connectClient: successful handshakes', () => {
  it('sends the RFC 6455 §4.1 request and validates the 101 (node:http server, hand-written upgrade)', async (t) => {
    const { port, seen } = await upgradeServer(t, () => ({ protocol: 'superchat', extensions: 'x-ext; a=1' }));
    const result = await connect(t, `http://127.0.0.1:${port}/chat?room=1`, {
      protocols: ['chat', 'superchat'],
      extensions: 'x-ext; a=1, x-ext',
      origin: 'http://example.com',
      headers: { 'X-Trace': 'abc' },
    });
    const req = seen.requests[0]!;
    assert.equal(req.method, 'GET');
    assert.equal(req.url, '/chat?room=1');
    assert.equal(req.httpVersion, '1.1');
    assert.equal(req.headers['host'], `127.0.0.1:${port}`);
    assert.equal(req.headers['upgrade'], 'websocket');
    assert.equal(req.headers['connection'], 'Upgrade');
    assert.ok(isValidClientKey(String(req.headers['sec-websocket-key'])));
    assert.equal(req.headers['sec-websocket-version'], '13');
    assert.equal(req.headers['sec-websocket-protocol'], 'chat, superchat');
    assert.equal(req.headers['sec-websocket-extensions'], 'x-ext; a=1, x-ext');
    assert.equal(req.headers['origin'], 'http://example.com');
    assert.equal(req.headers['x-trace'], 'abc');
    assert.equal(result.protocol, 'superchat');
    assert.equal(result.extensions, 'x-ext; a=1');
    assert.equal(result.response.status, 101);
    assert.equal(result.url.href, `ws://127.0.0.1:${port}/chat?room=1`);
    assert.equal(result.head.length, 0);
  });

  it('returns the frame bytes the server wrote in the same write as the 101, then hands over a paused socket that loses nothing', async (t) => {
    const { port, seen } = await upgradeServer(t, () => ({ after: FRAME }));
    const result = await connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`));
    // Handed over paused, with only the listeners a fresh socket has.
    assert.equal(result.socket.readableFlowing, false);
    assert.deepEqual(listenerCounts(result.socket), listenerCounts(new net.Socket()));
    result.socket.on('error', () => {});
    t.after(() => result.socket.destroy());
    assert.deepEqual([...result.head], [...FRAME]);
    // Bytes arriving while nobody listens wait in the paused socket.
    seen.sockets[0]!.write(Buffer.from('later'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal((await readBytes(result.socket, 5)).toString(), 'later');
  });

  it('reads a response head that arrives one byte at a time, then a frame in a later packet', async (t) => {
    const { port } = await rawServer(t, (socket) => {
      socket.once('data', async (chunk) => {
        const key = /Sec-WebSocket-Key: (\S+)/.exec(chunk.toString('latin1'))![1]!;
        const head = Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n\r\n`);
        for (const byte of head) {
          if (socket.destroyed) return;
          socket.write(Buffer.of(byte));
          await new Promise((resolve) => setImmediate(resolve));
        }
        setTimeout(() => socket.write(FRAME), 20);
      });
    });
    const result = await connect(t, `ws://127.0.0.1:${port}/`);
    assert.equal(result.head.length, 0);
    assert.deepEqual([...(await readBytes(result.socket, FRAME.length))], [...FRAME]);
  });

  it('skips informational responses (RFC 9110 §15.2) before the 101', async (t) => {
    const { port } = await upgradeServer(t, (req) => ({
      raw: Buffer.concat([Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n'), switchingProtocols(req, { after: FRAME })]),
    }));
    const result = await connect(t, `ws://127.0.0.1:${port}/`);
    assert.equal(result.response.status, 101);
    assert.deepEqual([...result.head], [...FRAME]);
  });

  it('counts informational heads against maxHeaderBytes', async (t) => {
    const interim = `HTTP/1.1 103 Early Hints\r\nLink: <${'a'.repeat(300)}>\r\n\r\n`;
    const { port } = await upgradeServer(t, (req) => ({ raw: Buffer.concat([Buffer.from(interim.repeat(4)), switchingProtocols(req)]) }));
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), { maxHeaderBytes: 1024 }), handshakeError('WS_ERR_HEADER_TOO_LARGE', 0));
  });

  it('fails when informational heads alone use up maxHeaderBytes', async (t) => {
    const prefix = 'HTTP/1.1 103 Early Hints\r\nLink: <';
    const suffix = '>\r\n\r\n';
    const interim = prefix + 'a'.repeat(1024 - prefix.length - suffix.length) + suffix; // exactly 1024 bytes
    const { port } = await upgradeServer(t, (req) => ({ raw: Buffer.concat([Buffer.from(interim), switchingProtocols(req)]) }));
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), { maxHeaderBytes: 1024 }), handshakeError('WS_ERR_HEADER_TOO_LARGE', 0));
    await connect(t, `ws://127.0.0.1:${port}/`, { maxHeaderBytes: 2048 });
  });

  it('connects over a Unix domain socket (ws+unix:)', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'rfc6455-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'server.sock');
    const seen: http.IncomingMessage[] = [];
    const server = http.createServer();
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
      seen.push(req);
      socket.write(switchingProtocols(req, { after: FRAME }));
    });
    await listen(t, server, path);
    const result = await connect(t, `ws+unix:${path}:/chat?x=1`);
    assert.equal(seen[0]!.url, '/chat?x=1');
    assert.equal(seen[0]!.headers['host'], 'localhost');
    assert.deepEqual([...result.head], [...FRAME]);
    assert.equal(result.url.socketPath, path);
  });
});

describe('connectClient: TLS (wss:)', () => {
  it('connects with SNI and ALPN http/1.1, trusting the test certificate', async (t) => {
    const { port, server } = await upgradeServer(t, () => ({ after: FRAME }), true);
    const serverSide = new Promise<tls.TLSSocket>((resolve) => server.once('secureConnection', resolve));
    const result = await connect(t, `wss://localhost:${port}/secure`, { tls: { ca: TLS_CERT } });
    const tlsSocket = await serverSide;
    assert.equal(tlsSocket.servername, 'localhost');
    // The server prefers h2; the client must have offered only http/1.1.
    assert.equal(tlsSocket.alpnProtocol, 'http/1.1');
    assert.equal((result.socket as tls.TLSSocket).authorized, true);
    assert.deepEqual([...result.head], [...FRAME]);
    assert.equal(result.socket.readableFlowing, false);
    assert.equal(result.socket.listenerCount('data'), 0);
    assert.equal(result.socket.listenerCount('error'), 1); // the one connect() in this test added
  });

  it('sends no SNI to an IP literal and verifies the IP against the certificate', async (t) => {
    const { port, server } = await upgradeServer(t, () => ({}), true);
    const serverSide = new Promise<tls.TLSSocket>((resolve) => server.once('secureConnection', resolve));
    const result = await connect(t, `wss://127.0.0.1:${port}/`, { tls: { ca: TLS_CERT } });
    assert.equal((await serverSide).servername, false);
    assert.equal(result.response.status, 101);
  });

  it('fails on an untrusted certificate with WS_ERR_CONNECTION_FAILED, keeping the TLS error as cause', async (t) => {
    const { port, server } = await upgradeServer(t, () => ({}), true);
    const serverClosed = new Promise<void>((resolve) => server.once('connection', (s: net.Socket) => void closed(s).then(resolve)));
    server.on('tlsClientError', () => {});
    await assert.rejects(connectClient(parseWebSocketUrl(`wss://localhost:${port}/`)), (error: unknown) => {
      handshakeError('WS_ERR_CONNECTION_FAILED', 0)(error);
      const cause = (error as HandshakeError).cause as NodeJS.ErrnoException;
      assert.ok(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT'].includes(String(cause.code)), String(cause.code));
      assert.ok((error as Error).message.includes(`wss://localhost:${port}`));
      return true;
    });
    await serverClosed;
  });

  it('passes TLS options through (servername override)', async (t) => {
    const { port, server } = await upgradeServer(t, () => ({}), true);
    const serverSide = new Promise<tls.TLSSocket>((resolve) => server.once('secureConnection', resolve));
    await connect(t, `wss://127.0.0.1:${port}/`, { tls: { ca: TLS_CERT, servername: 'localhost' } });
    assert.equal((await serverSide).servername, 'localhost');
  });
});

describe('connectClient: refused handshakes', () => {
  const failures: [name: string, reply: UpgradeReply, code: string, status: number][] = [
    ['a 404', { raw: 'HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found' }, 'WS_ERR_UNEXPECTED_STATUS', 404],
    ['a 200', { raw: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' }, 'WS_ERR_UNEXPECTED_STATUS', 200],
    ['a wrong accept key', { raw: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n' }, 'WS_ERR_INVALID_ACCEPT', 101],
    ['a protocol that was not offered', { protocol: 'other' }, 'WS_ERR_UNEXPECTED_PROTOCOL', 101],
    ['an extension that was not offered', { extensions: 'permessage-deflate' }, 'WS_ERR_UNEXPECTED_EXTENSION', 101],
    ['a malformed status line', { raw: 'HTTP/1.1 1O1 Switching\r\n\r\n' }, 'WS_ERR_MALFORMED_HTTP', 0],
    ['non-ASCII garbage', { raw: Buffer.from([0xff, 0xfe, 0x00, 0x16, 0x03, 0x01, 0x0a, 0x0a]) }, 'WS_ERR_MALFORMED_HTTP', 0],
  ];
  for (const [name, reply, code, status] of failures) {
    it(`fails on ${name} with ${code}, and closes the connection`, async (t) => {
      const { port, seen } = await upgradeServer(t, () => reply);
      await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), { handshakeTimeout: 2000 }), handshakeError(code as never, status));
      await closed(seen.sockets[0]!);
    });
  }

  it('fails with WS_ERR_CONNECTION_CLOSED when the server closes before the head is complete', async (t) => {
    const { port } = await rawServer(t, (socket) => socket.once('data', () => socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: web')));
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`)), handshakeError('WS_ERR_CONNECTION_CLOSED', 0));
  });

  it('fails with WS_ERR_HEADER_TOO_LARGE past maxHeaderBytes, without buffering the rest', async (t) => {
    const { port, sockets } = await rawServer(t, (socket) => {
      socket.once('data', async () => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\n');
        for (let i = 0; i < 200 && !socket.destroyed; i++) {
          socket.write(`X-Filler-${i}: ${'y'.repeat(100)}\r\n`);
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
    });
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), { maxHeaderBytes: 2048 }), handshakeError('WS_ERR_HEADER_TOO_LARGE', 0));
    await closed(sockets[0]!);
  });

  it('fails with WS_ERR_TOO_MANY_HEADERS past maxHeaderCount', async (t) => {
    const fields = Array.from({ length: 11 }, (_, i) => `X-${i}: v\r\n`).join('');
    const { port } = await upgradeServer(t, () => ({ raw: `HTTP/1.1 101 Switching Protocols\r\n${fields}\r\n` }));
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), { maxHeaderCount: 10 }), handshakeError('WS_ERR_TOO_MANY_HEADERS', 0));
  });

  it('fails with WS_ERR_CONNECTION_FAILED and the original error as cause when the connection is refused', async (t) => {
    const server = net.createServer();
    const port = await listen(t, server);
    await new Promise((resolve) => server.close(resolve));
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`)), (error: unknown) => {
      handshakeError('WS_ERR_CONNECTION_FAILED', 0)(error);
      assert.equal(((error as Error).cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
      assert.match((error as Error).message, new RegExp(`ws://127\\.0\\.0\\.1:${port} failed: .*ECONNREFUSED`));
      return true;
    });
  });

  it('wraps a DNS failure (ENOTFOUND) the same way', async () => {
    const lookup = ((_host: string, _options: unknown, callback: (error: Error) => void) => {
      callback(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' }));
    }) as unknown as tls.ConnectionOptions['lookup'];
    await assert.rejects(connectClient(parseWebSocketUrl('wss://nowhere.invalid/'), { tls: { lookup } }), (error: unknown) => {
      handshakeError('WS_ERR_CONNECTION_FAILED', 0)(error);
      assert.equal(((error as Error).cause as NodeJS.ErrnoException).code, 'ENOTFOUND');
      assert.match((error as Error).message, /^WebSocket connection to wss:\/\/nowhere\.invalid failed: getaddrinfo ENOTFOUND/);
      return true;
    });
  });

  it('refuses URL credentials over ws: before connecting', async (t) => {
    const { port, sockets } = await rawServer(t, () => {});
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://user:hunter2@127.0.0.1:${port}/`)), (error: unknown) => {
      handshakeError('WS_ERR_INSECURE_CREDENTIALS', 0)(error);
      return !(error as Error).message.includes('hunter2');
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(sockets.length, 0);
  });

  it('rejects invalid options without connecting', async () => {
    const url = parseWebSocketUrl('ws://127.0.0.1:1/');
    await assert.rejects(connectClient(url, { headers: { 'X-A': 'a\r\nb' } }), TypeError);
    await assert.rejects(connectClient(url, { protocols: ['a', 'a'] }), (e: unknown) => e instanceof DOMException && e.name === 'SyntaxError');
    await assert.rejects(connectClient(url, { handshakeTimeout: -1 }), RangeError);
    await assert.rejects(connectClient(url, { maxRedirects: 1.5 }), RangeError);
    await assert.rejects(connectClient(url, { extensions: 'permessage-deflate;' }), TypeError);
  });
});

describe('connectClient: timeouts and cancellation', () => {
  it('fails with WS_ERR_HANDSHAKE_TIMEOUT when the server never answers, and closes the socket', async (t) => {
    const { port, sockets } = await rawServer(t, () => {});
    const started = Date.now();
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), { handshakeTimeout: 100 }), handshakeError('WS_ERR_HANDSHAKE_TIMEOUT', 0));
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 95 && elapsed < 1000, `timed out after ${elapsed} ms`);
    await closed(sockets[0]!);
  });

  it('times out a server that dribbles its head forever', async (t) => {
    const { port, sockets } = await rawServer(t, (socket) => {
      const timer = setInterval(() => socket.write('X'), 10);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nX-Slow: ');
      socket.on('close', () => clearInterval(timer));
    });
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), { handshakeTimeout: 150 }), handshakeError('WS_ERR_HANDSHAKE_TIMEOUT'));
    await closed(sockets[0]!);
  });

  it('rejects with the abort reason when aborted mid-handshake, and closes the socket', async (t) => {
    const { port, sockets } = await rawServer(t, () => {});
    const controller = new AbortController();
    const reason = new Error('closed by the application');
    const pending = connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), { signal: controller.signal });
    while (sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(reason);
    await assert.rejects(pending, (error: unknown) => error === reason);
    await closed(sockets[0]!);
  });

  it('rejects with an AbortError and never connects when the signal is already aborted', async (t) => {
    const { port, sockets } = await rawServer(t, () => {});
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), { signal: AbortSignal.abort() }), { name: 'AbortError' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(sockets.length, 0);
  });

  it('leaves no timer or abort listener behind after success', async (t) => {
    const { port } = await upgradeServer(t);
    const controller = new AbortController();
    const result = await connect(t, `ws://127.0.0.1:${port}/`, { signal: controller.signal, handshakeTimeout: 50 });
    controller.abort(); // must not destroy the handed-over socket
    await new Promise((resolve) => setTimeout(resolve, 80)); // past the timeout
    assert.equal(result.socket.destroyed, false);
  });
});

describe('connectClient: redirects', () => {
  /** A server that redirects `/r/<n>` to `Location` as `route` says, and upgrades the rest. */
  async function redirectServer(t: TestContext, route: (url: string, port: number) => string | null) {
    let port = 0;
    const server = await upgradeServer(t, (req) => {
      const location = route(req.url ?? '', port);
      return location === null ? {} : { raw: `HTTP/1.1 302 Found\r\nLocation: ${location}\r\nContent-Length: 0\r\n\r\n` };
    });
    port = server.port;
    return server;
  }

  it('are refused by default with WS_ERR_UNEXPECTED_STATUS', async (t) => {
    const { port } = await redirectServer(t, (url) => (url === '/old' ? '/new' : null));
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/old`)), (error: unknown) => {
      handshakeError('WS_ERR_UNEXPECTED_STATUS', 302)(error);
      return /followRedirects/.test((error as Error).message);
    });
  });

  it('are followed when enabled: relative Location, fresh key per request', async (t) => {
    const { port, seen } = await redirectServer(t, (url) => (url === '/old' ? '/new?x=1#frag' : null));
    const result = await connect(t, `ws://127.0.0.1:${port}/old`, { followRedirects: true });
    assert.deepEqual(seen.requests.map((r) => r.url), ['/old', '/new?x=1']);
    assert.equal(result.url.href, `ws://127.0.0.1:${port}/new?x=1`);
    assert.notEqual(seen.requests[0]!.headers['sec-websocket-key'], seen.requests[1]!.headers['sec-websocket-key']);
  });

  it('map http(s) Locations to ws(s)', async (t) => {
    const { port, seen } = await redirectServer(t, (url, p) => (url === '/old' ? `http://localhost:${p}/mapped` : null));
    const result = await connect(t, `ws://127.0.0.1:${port}/old`, { followRedirects: true });
    assert.equal(result.url.href, `ws://localhost:${port}/mapped`);
    assert.equal(seen.requests[1]!.headers['host'], `localhost:${port}`);
  });

  it('are bounded by maxRedirects (WS_ERR_TOO_MANY_REDIRECTS)', async (t) => {
    const { port, seen } = await redirectServer(t, (url) => `/loop${url.length}`);
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), { followRedirects: true, maxRedirects: 3 }), handshakeError('WS_ERR_TOO_MANY_REDIRECTS', 302));
    assert.equal(seen.requests.length, 4);
    await Promise.all(seen.sockets.map(closed));
  });

  it('fail on a Location that is not a WebSocket URL (WS_ERR_INVALID_URL)', async (t) => {
    const { port } = await redirectServer(t, () => 'ftp://example.com/');
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), { followRedirects: true }), handshakeError('WS_ERR_INVALID_URL', 302));
  });

  it('refuse a network URL redirecting to a Unix socket', async (t) => {
    const { port, seen } = await redirectServer(t, () => 'ws+unix:/var/run/docker.sock:/');
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), { followRedirects: true }), handshakeError('WS_ERR_INVALID_URL', 302));
    assert.equal(seen.requests.length, 1);
  });

  it('refuse a downgrade from wss: to ws:', async (t) => {
    const plain = await upgradeServer(t);
    const secure = await upgradeServer(t, () => ({ raw: `HTTP/1.1 307 Temporary Redirect\r\nLocation: ws://localhost:${plain.port}/\r\n\r\n` }), true);
    await assert.rejects(connectClient(parseWebSocketUrl(`wss://localhost:${secure.port}/`), { followRedirects: true, tls: { ca: TLS_CERT } }), handshakeError('WS_ERR_INVALID_URL', 307));
    assert.equal(plain.seen.requests.length, 0);
  });

  it('follow an upgrade from ws: to wss:', async (t) => {
    const secure = await upgradeServer(t, () => ({}), true);
    const { port } = await redirectServer(t, () => `https://localhost:${secure.port}/tls`);
    const result = await connect(t, `ws://127.0.0.1:${port}/`, { followRedirects: true, tls: { ca: TLS_CERT } });
    assert.equal(result.url.href, `wss://localhost:${secure.port}/tls`);
    assert.equal(secure.seen.requests[0]!.url, '/tls');
  });

  it('fail on a redirect without Location (WS_ERR_UNEXPECTED_STATUS)', async (t) => {
    const { port } = await upgradeServer(t, () => ({ raw: 'HTTP/1.1 307 Temporary Redirect\r\n\r\n' }));
    await assert.rejects(connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/`), { followRedirects: true }), handshakeError('WS_ERR_UNEXPECTED_STATUS', 307));
  });

  it('keep credentials on the same endpoint, and drop them (URL credentials, Authorization, Cookie, Host) for another', async (t) => {
    const other = await upgradeServer(t);
    const { port, seen } = await redirectServer(t, (url, p) => {
      if (url === '/same') return `ws://127.0.0.1:${p}/other-host`;
      if (url === '/other-host') return `ws://localhost:${other.port}/final`;
      return null;
    });
    // Cookie and Authorization given as headers; URL credentials in the first URL.
    await connect(t, `ws://user:pw@127.0.0.1:${port}/same`, {
      followRedirects: true,
      allowInsecureCredentials: true,
      headers: { Cookie: 'session=secret', 'X-Kept': 'yes', Host: 'virtual.example' },
    });
    const expectedAuth = `Basic ${Buffer.from('user:pw').toString('base64')}`;
    assert.equal(seen.requests[0]!.headers['authorization'], expectedAuth);
    assert.equal(seen.requests[1]!.headers['authorization'], expectedAuth, 'same endpoint keeps the URL credentials');
    assert.equal(seen.requests[1]!.headers['cookie'], 'session=secret');
    assert.equal(seen.requests[1]!.headers['host'], 'virtual.example');
    const last = other.seen.requests[0]!;
    assert.equal(last.headers['authorization'], undefined);
    assert.equal(last.headers['cookie'], undefined);
    assert.equal(last.headers['x-kept'], 'yes');
    assert.equal(last.headers['host'], `localhost:${other.port}`);
  });

  it('drop a caller\'s Authorization header when redirected to another port', async (t) => {
    const other = await upgradeServer(t);
    const { port, seen } = await redirectServer(t, (url) => (url === '/' ? `ws://127.0.0.1:${other.port}/` : null));
    await connect(t, `ws://127.0.0.1:${port}/`, { followRedirects: true, headers: { Authorization: 'Bearer token' } });
    assert.equal(seen.requests[0]!.headers['authorization'], 'Bearer token');
    assert.equal(other.seen.requests[0]!.headers['authorization'], undefined);
  });

  it('stay on the same Unix socket for a relative Location (ws+unix:)', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'rfc6455-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'server.sock');
    const urls: string[] = [];
    const server = http.createServer();
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
      urls.push(req.url ?? '');
      socket.write(req.url === '/a/old' ? 'HTTP/1.1 301 Moved Permanently\r\nLocation: new?q\r\n\r\n' : switchingProtocols(req));
    });
    await listen(t, server, path);
    const result = await connect(t, `ws+unix:${path}:/a/old`, { followRedirects: true });
    assert.deepEqual(urls, ['/a/old', '/a/new?q']);
    assert.equal(result.url.socketPath, path);
    assert.equal(result.url.resource, '/a/new?q');
  });
});
