/**
 * Security defaults: masking keys from the CSPRNG, no regular expression
 * (hence no backtracking) in the layers that read peer input and linear-time
 * parsing of pathological headers, URL credentials never sent in clear over
 * ws:, and error messages and refusals that never echo credentials, tokens or
 * secret header values.
 *
 * Already proven elsewhere: Origin checking (test/api/server.test.ts
 * "refuses a foreign origin…", "accepts an allowed origin and a request
 * without Origin"), credentials refused by connectClient before connecting
 * (test/handshake/client-connect.test.ts) and by buildClientRequest without
 * echoing them (test/handshake/client-request.test.ts), URL errors that never
 * repeat the URL (test/handshake/url.test.ts).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import ts from 'typescript';
import { randomMaskKey } from '../../src/frame/serializer.js';
import { hasToken, parseExtensionHeader, parseProtocolHeader } from '../../src/handshake/headers.js';
import { HttpHeadReader, type RequestHead } from '../../src/handshake/http-head.js';
import { validateClientRequest } from '../../src/handshake/server-request.js';
import { type ErrorEvent, WebSocket, WebSocketServer } from '../../src/index.js';
import { acceptResponse, connectRaw, readHead, Recorder, upgradeRequest } from '../support/raw-peer.js';
import { watch } from '../support/watch.js';

const root = join(import.meta.dirname, '..', '..');

/** Chi-square statistic of byte values against the uniform distribution. */
function chiSquare(bytes: Uint8Array): number {
  const counts = new Array<number>(256).fill(0);
  for (const b of bytes) counts[b]!++;
  const expected = bytes.length / 256;
  return counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
}
/** 255 degrees of freedom: mean 255, sd 22.6; 400 is beyond p = 1e-9. */
const CHI_SQUARE_LIMIT = 400;

/** Run `body` with Math.random returning a constant: anything built on it becomes predictable. */
async function withPredictableMathRandom<T>(body: () => Promise<T> | T): Promise<T> {
  const original = Math.random;
  Math.random = () => 0.5;
  try {
    return await body();
  } finally {
    Math.random = original;
  }
}

describe('masking keys (RFC 6455 §5.3: unpredictable, from a strong source of entropy)', () => {
  it('come from crypto.randomFillSync', { timeout: 10_000 }, async () => {
    const require = createRequire(import.meta.url);
    const crypto = require('node:crypto') as typeof import('node:crypto');
    const original = crypto.randomFillSync;
    let calls = 0;
    crypto.randomFillSync = ((buffer: NodeJS.ArrayBufferView, ...rest: []) => {
      calls++;
      return original(buffer, ...rest);
    }) as typeof original;
    syncBuiltinESMExports();
    try {
      for (let i = 0; i < 4097; i++) randomMaskKey(); // more than one pool of 2048 keys
    } finally {
      crypto.randomFillSync = original;
      syncBuiltinESMExports();
    }
    assert.ok(calls >= 2, `randomFillSync was called ${calls} times for 4097 keys`);
  });

  it('are uniformly distributed and do not repeat, even with Math.random made predictable', { timeout: 10_000 }, async () => {
    const keys = await withPredictableMathRandom(() => Array.from({ length: 50_000 }, () => randomMaskKey() >>> 0));
    const bytes = new Uint8Array(new Uint32Array(keys).buffer);
    const chi = chiSquare(bytes);
    assert.ok(chi < CHI_SQUARE_LIMIT, `chi-square ${chi.toFixed(0)} over 200,000 key bytes`);
    // 50,000 draws from 2^32: 0.29 collisions expected.
    const repeats = keys.length - new Set(keys).size;
    assert.ok(repeats <= 5, `${repeats} repeated keys`);
  });

  it('a client puts a different key on every frame it sends, and a fresh Sec-WebSocket-Key on every handshake', { timeout: 20_000 }, async (t) => {
    const requests: string[] = [];
    const wires: Recorder[] = [];
    const server = createServer(async (socket: Socket) => {
      const peer = new Recorder(socket);
      const { head, headBytes } = await readHead(peer, 'request');
      requests.push(head.headers['sec-websocket-key'] ?? '');
      socket.write(acceptResponse(head.headers['sec-websocket-key'] ?? ''));
      wires.push(Object.assign(peer, { headBytes }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
    await withPredictableMathRandom(async () => {
      for (let i = 0; i < 50; i++) {
        const ws = new WebSocket(url);
        await once(ws, 'open');
        for (let j = 0; j < 40; j++) ws.send('x');
        while (ws.bufferedAmount > 0) await new Promise((resolve) => setTimeout(resolve, 1));
        ws.terminate();
        await once(ws, 'close');
      }
    });
    assert.equal(new Set(requests).size, 50, 'Sec-WebSocket-Key repeats');
    const keys: number[] = [];
    for (const peer of wires) {
      const bytes = peer.bytes.subarray((peer as Recorder & { headBytes: number }).headBytes);
      for (let at = 0; at + 7 <= bytes.length; at += 7) keys.push(bytes.readUInt32BE(at + 2)); // 81 81 key(4) x
      peer.socket.destroy();
    }
    assert.equal(keys.length, 2000);
    assert.ok(new Set(keys).size >= 1995, `${new Set(keys).size} distinct keys in 2000 frames`);
  });
});

describe('no regular expressions on peer input (no catastrophic backtracking)', () => {
  /** Files of the layers that read what a peer sends; a regex there needs a reason and an entry here. */
  const ALLOWED: readonly string[] = [];
  it('src/frame, src/handshake, src/socket and src/api contain no regular expression', { timeout: 10_000 }, () => {
    const found: string[] = [];
    for (const layer of ['frame', 'handshake', 'socket', 'api']) {
      for (const file of readdirSync(join(root, 'src', layer), { recursive: true, encoding: 'utf8' })) {
        if (!file.endsWith('.ts')) continue;
        const path = `src/${layer}/${file}`;
        const source = ts.createSourceFile(path, readFileSync(join(root, path), 'utf8'), ts.ScriptTarget.ES2022, true);
        const visit = (node: ts.Node): void => {
          const isRegExpLiteral = node.kind === ts.SyntaxKind.RegularExpressionLiteral;
          const isRegExpCall = (ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp';
          if ((isRegExpLiteral || isRegExpCall) && !ALLOWED.includes(path)) {
            found.push(`${path}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.getText().slice(0, 60)}`);
          }
          ts.forEachChild(node, visit);
        };
        visit(source);
      }
    }
    assert.deepEqual(found, []);
  });

  it('pathological header values of 64 KiB are parsed in linear time', { timeout: 10_000 }, () => {
    const n = 64 * 1024;
    const inputs: [string, () => unknown][] = [
      ['extensions: a;a;a;…', () => parseExtensionHeader('a;'.repeat(n / 2) + '!')],
      ['extensions: quoted escapes', () => parseExtensionHeader('a; b="' + '\\a'.repeat(n / 2))],
      ['extensions: a=b, a=b, …', () => parseExtensionHeader('a=b, '.repeat(n / 5))],
      ['extensions: spaces', () => parseExtensionHeader('a' + ' '.repeat(n) + ';')],
      ['protocols: a, a, …', () => parseProtocolHeader('a, '.repeat(n / 3) + ',')],
      ['protocols: tabs', () => parseProtocolHeader('a' + '\t'.repeat(n) + 'b')],
      ['Connection: commas', () => hasToken(','.repeat(n), 'upgrade')],
      ['Connection: spaces', () => hasToken(' '.repeat(n) + 'x', 'upgrade')],
    ];
    const headInputs: [string, string][] = [
      ['head: obs-fold lines', `GET / HTTP/1.1\r\nX: a\r\n${' b\r\n'.repeat(n / 4)}\r\n`],
      ['head: colons', `GET / HTTP/1.1\r\nX${':'.repeat(n)}\r\n\r\n`],
      ['head: CRs', `GET / HTTP/1.1\r\nX: ${'\r'.repeat(n)}\n\r\n`],
      ['head: whitespace value', `GET / HTTP/1.1\r\nX:${' \t'.repeat(n / 2)}y\r\n\r\n`],
      ['head: many short fields', `GET / HTTP/1.1\r\n${'a:b\r\n'.repeat(90)}${'c'.repeat(n)}: d\r\n\r\n`],
    ];
    for (const [name, text] of headInputs) {
      inputs.push([name, () => {
        try {
          const result = new HttpHeadReader<RequestHead>('request', { maxHeaderBytes: 4 * n }).push(Buffer.from(text, 'latin1'));
          if (result !== null) validateClientRequest(result.head);
        } catch {
          // Refusing is fine; only the time counts.
        }
      }]);
    }
    for (const [name, run] of inputs) {
      const started = performance.now();
      try {
        run();
      } catch {
        // Refusing is fine; only the time counts.
      }
      const elapsed = performance.now() - started;
      // Linear work on 64 KiB is well under a millisecond or so; backtracking would take seconds.
      assert.ok(elapsed < 250, `${name}: ${elapsed.toFixed(1)} ms`);
    }
  });
});

describe('credentials and secrets', () => {
  const SECRET = 'S3cr3t-c0d3-9f1e';

  it('a ws: URL with credentials never reaches the network: error then close 1006, and the password is not in the error', { timeout: 10_000 }, async (t) => {
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const ws = new WebSocket(`ws://user:${SECRET}@127.0.0.1:${(server.address() as { port: number }).port}/`);
    const watched = watch(ws);
    await watched.closed;
    assert.deepEqual(watched.log, ['error@3:WS_ERR_INSECURE_CREDENTIALS', 'close@3:1006:false']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(connections, 0, 'a TCP connection was made');
    assert.ok(!describeError(watched.errors[0]).includes(SECRET));
  });

  /** Everything an error exposes: name, message, code and causes, recursively. */
  function describeError(error: unknown): string {
    const parts: string[] = [];
    for (let e = error as { name?: string; message?: string; code?: unknown; cause?: unknown } | undefined, depth = 0; e != null && depth < 6; e = e.cause as typeof e, depth++) {
      parts.push(`${e.name}: ${e.message} [${String(e.code)}]`, String(e));
    }
    return parts.join('\n');
  }

  /** A server that answers each handshake with the next of `answers` (a function of the key). */
  async function answering(t: TestContext, answers: ((key: string) => string | null)[]) {
    let index = 0;
    const server = createServer(async (socket) => {
      const peer = new Recorder(socket);
      const { head } = await readHead(peer, 'request').catch(() => ({ head: null }));
      const answer = answers[index++ % answers.length]!(head?.headers['sec-websocket-key'] ?? '');
      if (answer !== null) socket.end(answer);
      // null: say nothing (a timeout)
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    return (server.address() as { port: number }).port;
  }

  it('client errors never echo URL credentials, query tokens, or secret request headers', { timeout: 20_000 }, async (t) => {
    const answers: ((key: string) => string | null)[] = [
      () => 'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\n\r\n',
      () => `HTTP/1.1 302 Found\r\nLocation: ws://elsewhere.invalid/?token=${SECRET}\r\n\r\n`,
      () => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n',
      (key) => acceptResponse(key).replace('\r\n\r\n', '\r\nSec-WebSocket-Protocol: not-offered\r\n\r\n'),
      () => 'garbage\r\n\r\n',
      () => null,
    ];
    const port = await answering(t, answers);
    for (let i = 0; i < answers.length; i++) {
      const ws = new WebSocket(`ws://user:${SECRET}@127.0.0.1:${port}/path/${SECRET}?token=${SECRET}`, [], {
        allowInsecureCredentials: true, // let them go out: the point is what comes back in errors
        headers: { 'X-Api-Key': SECRET, Cookie: `session=${SECRET}` },
        handshakeTimeout: 300,
      });
      const watched = watch(ws);
      let messages = '';
      ws.addEventListener('error', (event) => (messages += (event as ErrorEvent).message));
      await watched.closed;
      assert.equal(watched.errors.length, 1, `answer ${i}: ${watched.log.join(',')}`);
      const exposed = describeError(watched.errors[0]) + messages;
      assert.ok(!exposed.includes(SECRET), `answer ${i} exposes the secret:\n${exposed}`);
    }
  });

  it('server refusals (responses and handshakeError events) never echo secret header values or the request target', { timeout: 20_000 }, async (t) => {
    const wss = new WebSocketServer({ port: 0, path: '/ws', allowedOrigins: ['https://app.example'], handshakeTimeout: 300 });
    const { port } = await wss.listen();
    t.after(() => wss.close());
    const refusals: string[] = [];
    wss.on('handshakeError', (error) => refusals.push(describeError(error)));
    const secretHeaders = { Authorization: `Bearer ${SECRET}`, Cookie: `id=${SECRET}` };
    const requests = [
      upgradeRequest({ path: `/other?token=${SECRET}`, headers: secretHeaders }), // 404
      upgradeRequest({ path: '/ws', headers: { ...secretHeaders, Origin: `https://${SECRET}.example` } }), // 403
      upgradeRequest({ path: '/ws', key: SECRET, headers: secretHeaders }), // 400 bad key
      upgradeRequest({ path: '/ws', headers: { ...secretHeaders, 'Sec-WebSocket-Protocol': `${SECRET}, ${SECRET}` } }), // duplicate protocol
      upgradeRequest({ path: '/ws', headers: { ...secretHeaders, 'Sec-WebSocket-Protocol': `a ${SECRET}` } }), // malformed list
      upgradeRequest({ path: '/ws', extensions: `${SECRET}; x="${SECRET}`, headers: secretHeaders }), // malformed extensions
      upgradeRequest({ path: '/ws', headers: { ...secretHeaders, 'X-Bad': `${SECRET}\u0001` } }), // control character
      upgradeRequest({ path: '/ws', headers: { ...secretHeaders, 'Sec-WebSocket-Version': SECRET } }), // 426
      `POST /ws?token=${SECRET} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRET}\r\n\r\n`, // 405
      `GET /ws?token=${SECRET} HTTP/1.1\r\nHost: x\r\nCookie: ${SECRET}\r\n`, // never finished: 408
    ];
    for (const request of requests) {
      const peer = await connectRaw(port);
      peer.socket.write(request); // no FIN: the unfinished head must time out (408), not end (no response owed)
      while (!peer.ended) await new Promise((resolve) => setTimeout(resolve, 5));
      peer.socket.destroy();
      const response = peer.bytes.toString('latin1');
      assert.match(response, /^HTTP\/1\.1 4\d\d /, response.slice(0, 60));
      assert.ok(!response.includes(SECRET), `the response echoes the secret:\n${response}`);
    }
    assert.equal(refusals.length, requests.length);
    for (const refusal of refusals) assert.ok(!refusal.includes(SECRET), `handshakeError exposes the secret:\n${refusal}`);
  });
});
