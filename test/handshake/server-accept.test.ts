/**
 * The server's socket glue on loopback: readRequestHead + validateClientRequest
 * + buildAcceptResponse on standalone net/tls servers, the node:http 'upgrade'
 * adapter, and refusals (rejectConnection) for malformed, oversized, slow and
 * hostile clients.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import * as tls from 'node:tls';
import { connectClient } from '../../src/handshake/client-connect.js';
import { HandshakeError } from '../../src/handshake/errors.js';
import type { HeadResult, RequestHead } from '../../src/handshake/http-head.js';
import { readRequestHead, type ReadRequestHeadOptions, rejectConnection, requestHeadFromIncomingMessage } from '../../src/handshake/server-accept.js';
import { buildAcceptResponse, type HandshakeRequest, validateClientRequest } from '../../src/handshake/server-request.js';
import { parseWebSocketUrl } from '../../src/handshake/url.js';
import { handshakeError, listen, rawExchange, TLS_CERT, TLS_KEY, upgradeRequest } from './helpers.js';

const MASKED_FRAME = Buffer.from([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]); // RFC 6455 §5.7 masked "Hello"

interface Accepted {
  request: HandshakeRequest;
  rest: Buffer;
  socket: net.Socket;
  /** State of the socket right after readRequestHead resolved. */
  flowing: boolean | null;
  dataListeners: number;
}
type Outcome = Accepted | HandshakeError;

/**
 * Accept handshakes on `socket` the way a standalone server would: read the
 * head, validate it, answer 101 selecting the first offered protocol, or
 * refuse with the error's status. Records each outcome.
 */
async function serve(socket: net.Socket, outcomes: Outcome[], options: ReadRequestHeadOptions): Promise<void> {
  let result: HeadResult<RequestHead>;
  try {
    result = await readRequestHead(socket, options);
  } catch (error) {
    outcomes.push(error as HandshakeError);
    return;
  }
  const flowing = socket.readableFlowing;
  const dataListeners = socket.listenerCount('data');
  socket.on('error', () => {});
  let request: HandshakeRequest;
  try {
    request = validateClientRequest(result.head);
  } catch (error) {
    const e = error as HandshakeError;
    rejectConnection(socket, e.status, e.message, undefined, 200);
    outcomes.push(e);
    return;
  }
  socket.write(buildAcceptResponse({ key: request.key, ...(request.protocols[0] !== undefined && { protocol: request.protocols[0] }) }));
  outcomes.push({ request, rest: result.rest, socket, flowing, dataListeners });
}

async function standalone(t: TestContext, options: ReadRequestHeadOptions = {}, secure = false) {
  const outcomes: Outcome[] = [];
  /** Milliseconds from connection to close, per server socket. */
  const closes: number[] = [];
  const handler = (socket: net.Socket): void => {
    const started = Date.now();
    socket.on('close', () => closes.push(Date.now() - started));
    void serve(socket, outcomes, { timeout: 2000, ...options });
  };
  const server = secure ? tls.createServer({ key: TLS_KEY, cert: TLS_CERT }, handler) : net.createServer(handler);
  const port = await listen(t, server);
  return { port, outcomes, closes, server };
}

async function until<T>(get: () => T | undefined, what: string, ms = 2000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const accepted = (outcome: Outcome | undefined): Accepted => {
  assert.ok(outcome !== undefined && !(outcome instanceof HandshakeError), `expected an accepted handshake, got ${String(outcome)}`);
  return outcome;
};

describe('standalone server: readRequestHead + validateClientRequest + buildAcceptResponse', () => {
  it('completes a handshake with connectClient over TCP', async (t) => {
    const { port, outcomes } = await standalone(t);
    const result = await connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/chat?a=1`), { protocols: ['chat', 'x'], origin: 'https://app.example' });
    t.after(() => result.socket.destroy());
    assert.equal(result.protocol, 'chat');
    const server = accepted(await until(() => outcomes[0], 'the server'));
    assert.equal(server.request.resource, '/chat?a=1');
    assert.deepEqual(server.request.protocols, ['chat', 'x']);
    assert.equal(server.request.origin, 'https://app.example');
    assert.equal(server.request.host, `127.0.0.1:${port}`);
    assert.equal(server.rest.length, 0);
  });

  it('completes a handshake over TLS', async (t) => {
    const { port, outcomes } = await standalone(t, {}, true);
    const result = await connectClient(parseWebSocketUrl(`wss://localhost:${port}/tls`), { tls: { ca: TLS_CERT } });
    t.after(() => result.socket.destroy());
    assert.equal(result.response.status, 101);
    assert.equal(accepted(await until(() => outcomes[0], 'the server')).request.resource, '/tls');
  });

  it('returns the frame a client pipelined after its request, and hands over a paused socket that loses nothing', async (t) => {
    const { port, outcomes } = await standalone(t);
    const client = net.connect(port, '127.0.0.1');
    t.after(() => client.destroy());
    client.on('error', () => {});
    client.write(Buffer.concat([Buffer.from(upgradeRequest()), MASKED_FRAME]));
    const server = accepted(await until(() => outcomes[0], 'the server'));
    assert.deepEqual([...server.rest], [...MASKED_FRAME]);
    assert.equal(server.flowing, false);
    assert.equal(server.dataListeners, 0);
    // Later bytes wait in the paused socket until someone reads.
    client.write('later');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const later = await new Promise<Buffer>((resolve) => {
      server.socket.once('data', resolve);
      server.socket.resume();
    });
    assert.equal(later.toString(), 'later');
  });

  it('reads a request that arrives one byte at a time', async (t) => {
    const { port, outcomes } = await standalone(t);
    const bytes = [...Buffer.from(upgradeRequest())].flatMap((b) => [Buffer.of(b), 0]);
    const exchange = rawExchange(port, bytes, 2000);
    const server = accepted(await until(() => outcomes[0], 'the server'));
    assert.equal(server.request.resource, '/chat');
    server.socket.destroy();
    assert.match((await exchange).text, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  });
});

describe('standalone server: refusals', () => {
  const cases: [name: string, chunks: (string | Buffer | number)[], status: number, code: string, extra?: RegExp][] = [
    ['a request with a body', [upgradeRequest({ 'Content-Length': '5' }) + 'hello'], 400, 'WS_ERR_UNEXPECTED_BODY'],
    ['a chunked request', [upgradeRequest({ 'Transfer-Encoding': 'chunked' }) + '0\r\n\r\n'], 400, 'WS_ERR_UNEXPECTED_BODY'],
    ['an unsupported version', [upgradeRequest({ 'Sec-WebSocket-Version': '8' })], 426, 'WS_ERR_UNSUPPORTED_VERSION', /\r\nSec-WebSocket-Version: 13\r\n/],
    ['a POST', [upgradeRequest({}, 'POST /chat HTTP/1.1')], 405, 'WS_ERR_INVALID_METHOD', /\r\nAllow: GET\r\n/],
    ['a plain HTTP request', ['GET / HTTP/1.1\r\nHost: x\r\n\r\n'], 400, 'WS_ERR_INVALID_UPGRADE_HEADER'],
    ['a malformed header line', ['GET / HTTP/1.1\r\nNo colon\r\n\r\n'], 400, 'WS_ERR_MALFORMED_HTTP'],
    ['control characters in a header', ['GET / HTTP/1.1\r\nX: \u0001\u0002\r\n\r\n'], 400, 'WS_ERR_MALFORMED_HTTP'],
    ['a TLS ClientHello on the plain port', [Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])], 400, 'WS_ERR_MALFORMED_HTTP'],
    ['binary garbage after a method', [Buffer.from([0x47, 0x45, 0x54, 0x20, 0xff, 0xfe, 0x80])], 400, 'WS_ERR_MALFORMED_HTTP'],
    ['non-ASCII in the request line', ['GET /caf\u00e9 HTTP/1.1\r\n'], 400, 'WS_ERR_MALFORMED_HTTP'],
    ['a leading empty line', ['\r\n' + upgradeRequest()], 400, 'WS_ERR_MALFORMED_HTTP'],
  ];
  for (const [name, chunks, status, code, extra] of cases) {
    it(`answers ${name} with ${status} and closes`, async (t) => {
      const { port, outcomes } = await standalone(t, { timeout: 5000 });
      const exchange = await rawExchange(port, chunks, 3000);
      assert.ok(exchange.text.startsWith(`HTTP/1.1 ${status} `), exchange.text);
      assert.match(exchange.text, /\r\nConnection: (Upgrade, )?close\r\n/);
      if (extra !== undefined) assert.match(exchange.text, extra);
      assert.ok(exchange.closed, 'the server closed the connection');
      // Answered at once, not when the 5 s timeout expired.
      assert.ok(exchange.elapsed < 1000, `answered after ${exchange.elapsed} ms`);
      const outcome = await until(() => outcomes[0], 'the server');
      handshakeError(code as never, status)(outcome);
    });
  }

  it('answers an oversized head with 431 as soon as maxHeaderBytes is passed', async (t) => {
    const { port, outcomes } = await standalone(t, { maxHeaderBytes: 1024 });
    const filler = Array.from({ length: 100 }, (_, i) => `X-Filler-${i}: ${'y'.repeat(40)}\r\n`);
    const exchange = await rawExchange(port, ['GET / HTTP/1.1\r\n', ...filler.flatMap((line) => [line, 1])]);
    assert.ok(exchange.text.startsWith('HTTP/1.1 431 Request Header Fields Too Large\r\n'), exchange.text);
    assert.ok(exchange.closed);
    handshakeError('WS_ERR_HEADER_TOO_LARGE', 431)(await until(() => outcomes[0], 'the server'));
  });

  it('answers too many header fields with 431', async (t) => {
    const { port, outcomes } = await standalone(t, { maxHeaderCount: 5 });
    const exchange = await rawExchange(port, [upgradeRequest({ 'X-1': 'a', 'X-2': 'b' })]);
    assert.ok(exchange.text.startsWith('HTTP/1.1 431 '), exchange.text);
    handshakeError('WS_ERR_TOO_MANY_HEADERS', 431)(await until(() => outcomes[0], 'the server'));
  });

  it('cuts off a client that dribbles its headers forever (slowloris) with 408 at the timeout', async (t) => {
    const { port, outcomes } = await standalone(t, { timeout: 150 });
    // One header byte every 10 ms, bounded to 2 s; the server must stop it long before.
    const dribble = Array.from({ length: 200 }, () => ['X', 10]).flat();
    const exchange = await rawExchange(port, ['GET / HTTP/1.1\r\nX-Slow: ', ...dribble], 3000);
    assert.ok(exchange.text.startsWith('HTTP/1.1 408 Request Timeout\r\n'), exchange.text);
    assert.ok(exchange.closed);
    assert.ok(exchange.elapsed >= 140 && exchange.elapsed < 1000, `cut off after ${exchange.elapsed} ms`);
    handshakeError('WS_ERR_HANDSHAKE_TIMEOUT', 408)(await until(() => outcomes[0], 'the server'));
  });

  it('times out a client that connects and sends nothing', async (t) => {
    const { port, outcomes } = await standalone(t, { timeout: 80 });
    const exchange = await rawExchange(port, [], 2000);
    assert.ok(exchange.text.startsWith('HTTP/1.1 408 '), exchange.text);
    handshakeError('WS_ERR_HANDSHAKE_TIMEOUT', 408)(await until(() => outcomes[0], 'the server'));
  });

  it('gives up quietly on a client that closes mid-head (WS_ERR_CONNECTION_CLOSED)', async (t) => {
    const { port, outcomes } = await standalone(t);
    const client = net.connect(port, '127.0.0.1', () => client.end('GET / HTTP/1.1\r\nHost: x\r\n'));
    client.on('error', () => {});
    t.after(() => client.destroy());
    handshakeError('WS_ERR_CONNECTION_CLOSED', 0)(await until(() => outcomes[0], 'the server'));
  });

  it('destroys the socket when it fails mid-head (WS_ERR_CONNECTION_FAILED, cause kept)', async (t) => {
    const { port, outcomes, closes } = await standalone(t);
    const client = net.connect(port, '127.0.0.1', () => {
      client.write('GET / HTTP/1.1\r\nHost: x\r\n');
      setTimeout(() => client.resetAndDestroy(), 20);
    });
    client.on('error', () => {});
    const outcome = await until(() => outcomes[0], 'the server');
    handshakeError('WS_ERR_CONNECTION_FAILED', 0)(outcome);
    assert.equal(((outcome as HandshakeError).cause as NodeJS.ErrnoException).code, 'ECONNRESET');
    await until(() => closes[0], 'the server socket to close');
  });

  it('rejects at once for a socket that is already closed', async () => {
    const socket = new net.Socket();
    socket.destroy();
    await assert.rejects(readRequestHead(socket), handshakeError('WS_ERR_CONNECTION_CLOSED'));
  });
});

describe('rejectConnection', () => {
  /** A server whose connections are refused with 403 at once; records when each closes. */
  async function refusingServer(t: TestContext, gracePeriod: number) {
    const closes: number[] = [];
    const server = net.createServer((socket) => {
      const started = Date.now();
      socket.on('close', () => closes.push(Date.now() - started));
      socket.once('data', () => {
        // As after readRequestHead: the socket is handed over paused.
        socket.pause();
        rejectConnection(socket, 403, 'Forbidden origin', { 'X-Reason': 'origin' }, gracePeriod);
      });
    });
    return { port: await listen(t, server), closes };
  }

  it('writes a complete response and closes as soon as the client does', async (t) => {
    const { port, closes } = await refusingServer(t, 5000);
    const exchange = await rawExchange(port, [upgradeRequest()]);
    assert.equal(
      exchange.text,
      'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 16\r\nX-Reason: origin\r\n\r\nForbidden origin',
    );
    const elapsed = await until(() => closes[0], 'the server socket to close');
    assert.ok(elapsed < 1000, `closed after ${elapsed} ms`);
  });

  it('destroys the socket after the grace period when the client keeps its side open', async (t) => {
    const { port, closes } = await refusingServer(t, 60);
    const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    client.on('error', () => {});
    t.after(() => client.destroy());
    client.on('data', () => {});
    client.write(upgradeRequest());
    const elapsed = await until(() => closes[0], 'the server socket to close');
    assert.ok(elapsed >= 50 && elapsed < 1000, `closed after ${elapsed} ms`);
  });

  it('delivers the response to a client that is still sending, reading and discarding until it closes (lingering close)', async (t) => {
    const { port, closes } = await refusingServer(t, 5000);
    const chunks: (string | Buffer)[] = [upgradeRequest(), ...Array.from({ length: 64 }, () => Buffer.alloc(16 * 1024, 0x61))];
    const exchange = await rawExchange(port, chunks);
    assert.ok(exchange.text.startsWith('HTTP/1.1 403 Forbidden\r\n'), exchange.text.slice(0, 100));
    assert.ok(exchange.text.endsWith('Forbidden origin'));
    // The server kept reading, so it saw the client's close long before the 5 s grace period.
    const elapsed = await until(() => closes[0], 'the server socket to close');
    assert.ok(elapsed < 1000, `closed after ${elapsed} ms`);
  });

  it('destroys at once a socket that can no longer be written', async (t) => {
    const closes: number[] = [];
    const server = net.createServer((socket) => {
      socket.on('close', () => closes.push(1));
      socket.end(); // our side is already finished
      rejectConnection(socket, 400, 'late', undefined, 5000);
    });
    const port = await listen(t, server);
    const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    client.on('error', () => {});
    t.after(() => client.destroy());
    await until(() => closes[0], 'the server socket to close', 1000);
  });

  it('leaves a destroyed socket alone, and validates before touching the socket', () => {
    const socket = new net.Socket();
    socket.destroy();
    rejectConnection(socket, 400);
    assert.throws(() => rejectConnection(new net.Socket(), 200), RangeError);
  });
});

describe('node:http integration: requestHeadFromIncomingMessage', () => {
  /** An http(s) server whose 'upgrade' event runs validateClientRequest on the adapted head. */
  async function httpServer(t: TestContext, secure = false) {
    const outcomes: (HandshakeRequest | HandshakeError)[] = [];
    const server = secure ? https.createServer({ key: TLS_KEY, cert: TLS_CERT }) : http.createServer();
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      socket.on('error', () => {});
      try {
        const request = validateClientRequest(requestHeadFromIncomingMessage(req));
        outcomes.push(request);
        socket.write(buildAcceptResponse({ key: request.key }));
        if (head.length > 0) socket.end(head); // echo pipelined bytes back, to check none were lost
      } catch (error) {
        const e = error as HandshakeError;
        outcomes.push(e);
        rejectConnection(socket, e.status, e.message, undefined, 200);
      }
    });
    return { port: await listen(t, server), outcomes };
  }

  it('serves connectClient under http.createServer', async (t) => {
    const { port, outcomes } = await httpServer(t);
    const result = await connectClient(parseWebSocketUrl(`ws://127.0.0.1:${port}/path?q=1`), { extensions: 'x-ext' });
    t.after(() => result.socket.destroy());
    const request = await until(() => outcomes[0], 'the server');
    assert.ok(!(request instanceof HandshakeError));
    assert.equal(request.resource, '/path?q=1');
    assert.deepEqual(request.extensions, [{ name: 'x-ext', params: [] }]);
  });

  it('serves connectClient under https.createServer', async (t) => {
    const { port, outcomes } = await httpServer(t, true);
    const result = await connectClient(parseWebSocketUrl(`wss://localhost:${port}/secure`), { tls: { ca: TLS_CERT } });
    t.after(() => result.socket.destroy());
    assert.equal(result.response.status, 101);
    assert.ok(!((await until(() => outcomes[0], 'the server')) instanceof HandshakeError));
  });

  it('sees both Host fields that node:http\'s req.headers would collapse', async (t) => {
    const { port, outcomes } = await httpServer(t);
    const exchange = await rawExchange(port, [upgradeRequest({ 'X-A': 'b' }).replace('X-A: b', 'Host: evil.example')]);
    assert.ok(exchange.text.startsWith('HTTP/1.1 400 '), exchange.text);
    handshakeError('WS_ERR_MALFORMED_HTTP', 400)(await until(() => outcomes[0], 'the server'));
  });

  it('refuses a wrong version with 426 through node:http', async (t) => {
    const { port } = await httpServer(t);
    const exchange = await rawExchange(port, [upgradeRequest({ 'Sec-WebSocket-Version': '7' })]);
    assert.ok(exchange.text.startsWith('HTTP/1.1 426 Upgrade Required\r\n'), exchange.text);
    assert.match(exchange.text, /\r\nSec-WebSocket-Version: 13\r\n/);
  });

  it('keeps the pipelined bytes node:http passes as `head`', async (t) => {
    const { port } = await httpServer(t);
    const exchange = await rawExchange(port, [Buffer.concat([Buffer.from(upgradeRequest()), MASKED_FRAME])]);
    assert.ok(exchange.bytes.subarray(exchange.bytes.length - MASKED_FRAME.length).equals(MASKED_FRAME));
  });

  it('adapts method, target, version and repeated fields', () => {
    const req = {
      method: 'GET',
      url: '/a?b',
      httpVersion: '1.1',
      rawHeaders: ['Host', 'x', 'Connection', 'keep-alive', 'connection', 'Upgrade'],
    } as unknown as http.IncomingMessage;
    const head = requestHeadFromIncomingMessage(req);
    assert.equal(head.kind, 'request');
    assert.equal(head.method, 'GET');
    assert.equal(head.target, '/a?b');
    assert.equal(head.httpVersion, '1.1');
    assert.equal(head.headers['connection'], 'keep-alive, Upgrade');
    assert.deepEqual(head.rawHeaders, [['Host', 'x'], ['Connection', 'keep-alive'], ['connection', 'Upgrade']]);
  });
});

it('readRequestHead refuses with its gracePeriod: a client that never closes is cut off after it', async (t) => {
  const { port, outcomes, closes } = await standalone(t, { timeout: 40, gracePeriod: 60 });
  const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  client.on('error', () => {});
  client.on('data', () => {});
  t.after(() => client.destroy());
  handshakeError('WS_ERR_HANDSHAKE_TIMEOUT', 408)(await until(() => outcomes[0], 'the server'));
  const elapsed = await until(() => closes[0], 'the server socket to close');
  assert.ok(elapsed >= 95 && elapsed < 1000, `closed ${elapsed} ms after connecting`);
});
