/**
 * Event order and delivery (WHATWG WebSockets §"Feedback from the protocol"),
 * event handler attributes (HTML §8.1.8.1), and EventTarget behaviour.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { CloseEvent, ErrorEvent, WebSocket } from '../../src/index.js';
import { nextEvent, openClient, recordEvents, startEchoServer, startRawServer } from '../support/api.js';

describe('failing the connection: error then close, readyState already CLOSED', () => {
  it('connection refused', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close(); // nothing listens there now
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const states: string[] = [];
    ws.addEventListener('error', (event) => states.push(`error@${ws.readyState}:${(event as ErrorEvent).error instanceof Error}`));
    ws.addEventListener('close', (event) => states.push(`close@${ws.readyState}:${(event as CloseEvent).code}:${(event as CloseEvent).wasClean}`));
    await nextEvent(ws, 'close');
    assert.deepEqual(states, ['error@3:true', 'close@3:1006:false']);
  });

  it('a 101 with a wrong Sec-WebSocket-Accept fails (no open event)', async (t) => {
    const { url } = await startRawServer(t, () => {}, () => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n');
    const ws = new WebSocket(url);
    const log = recordEvents(ws);
    const closed = nextEvent(ws, 'close');
    const error = await nextEvent<ErrorEvent>(ws, 'error');
    await closed;
    assert.deepEqual(log, ['error', 'close:1006::false']);
    assert.equal((error.error as { code?: string }).code, 'WS_ERR_INVALID_ACCEPT');
  });

  for (const [name, response] of [
    ['a 200 status', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ['a missing Upgrade header', 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n'],
    ['a missing Connection header', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n'],
    ['a subprotocol that was not offered', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: chat\r\n\r\n'],
    ['an extension that was not offered', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n'],
  ] as const) {
    it(`fails on ${name}`, async (t) => {
      const { computeAcceptKey } = await import('../../src/handshake/accept-key.js');
      const { url } = await startRawServer(t, () => {}, (key) => response.replace('{accept}', computeAcceptKey(key)));
      const ws = new WebSocket(url);
      const log = recordEvents(ws);
      await nextEvent(ws, 'close');
      assert.deepEqual(log, ['error', 'close:1006::false']);
    });
  }

  it('close() while CONNECTING: readyState CLOSING at once, then error and close, each once', async (t) => {
    const { url } = await startEchoServer(t);
    const ws = new WebSocket(url);
    const log = recordEvents(ws);
    ws.close();
    assert.equal(ws.readyState, WebSocket.CLOSING);
    assert.deepEqual(log, [], 'events are not fired synchronously inside close()');
    await nextEvent(ws, 'close');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(log, ['error', 'close:1006::false']);
    assert.equal(ws.readyState, WebSocket.CLOSED);
  });

  it('a protocol error from the server reaches the app as 1006 while the wire carries 1002', async (t) => {
    const wire: Buffer[] = [];
    const { url } = await startRawServer(t, (socket) => {
      socket.on('data', (chunk: Buffer) => wire.push(chunk));
      socket.write(Buffer.from([0x83, 0x00])); // reserved opcode 3
    });
    const ws = new WebSocket(url);
    const log = recordEvents(ws);
    await nextEvent(ws, 'close');
    assert.deepEqual(log, ['open', 'error', 'close:1006::false']);
    const frame = Buffer.concat(wire);
    // A masked close frame: 88 82 <key> <code ^ key>.
    assert.equal(frame[0], 0x88);
    const code = ((frame[6]! ^ frame[2]!) << 8) | (frame[7]! ^ frame[3]!);
    assert.equal(code, 1002);
  });

  it('nothing fires after close, and messages after close() are not delivered', async (t) => {
    const { wss, url } = await startEchoServer(t);
    wss.on('connection', (socket) => {
      socket.addEventListener('close', () => {});
      for (let i = 0; i < 5; i++) socket.send(`m${i}`);
    });
    const ws = new WebSocket(url);
    const log = recordEvents(ws);
    ws.addEventListener('message', () => ws.close(), { once: true });
    await nextEvent(ws, 'close');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(log, ['open', 'message:m0', 'close:1005::true']);
  });
});

describe('event handler attributes', () => {
  it('setting replaces the callback but keeps its position; null removes; non-functions are ignored', async (t) => {
    const { url } = await startEchoServer(t);
    const ws = await openClient(url);
    const calls: string[] = [];
    ws.onmessage = () => calls.push('first handler');
    ws.addEventListener('message', () => calls.push('listener'));
    ws.onmessage = () => calls.push('second handler'); // same position: before the listener
    ws.send('a');
    await nextEvent(ws, 'message');
    assert.deepEqual(calls, ['second handler', 'listener']);
    ws.onmessage = null;
    assert.equal(ws.onmessage, null);
    ws.onmessage = 'not a function' as never;
    assert.equal(ws.onmessage, null);
    calls.length = 0;
    ws.send('b');
    await nextEvent(ws, 'message');
    assert.deepEqual(calls, ['listener']);
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('handlers receive the event with this === the WebSocket; removeEventListener and dispatchEvent work', async (t) => {
    const { url } = await startEchoServer(t);
    const ws = await openClient(url);
    let self: unknown;
    ws.onclose = function (this: unknown) {
      self = this;
    };
    const removed = () => assert.fail('removed listener called');
    ws.addEventListener('message', removed);
    ws.removeEventListener('message', removed);
    let custom = 0;
    ws.addEventListener('custom', () => custom++);
    ws.dispatchEvent(new Event('custom'));
    assert.equal(custom, 1);
    ws.send('x');
    await nextEvent(ws, 'message');
    ws.close();
    await nextEvent(ws, 'close');
    assert.equal(self, ws);
  });

  it('a listener that throws does not stop other listeners or break the connection', async () => {
    // Node's EventTarget reports a listener's exception as an uncaught
    // exception on a later tick; the test runner would count that against
    // this test, so the scenario runs in its own process.
    const script = `
      import { WebSocket, WebSocketServer } from './src/index.js';
      const uncaught = [];
      process.on('uncaughtException', (error) => uncaught.push(error.message));
      const wss = new WebSocketServer({ port: 0 });
      const { port } = await wss.listen();
      wss.on('connection', (s) => s.addEventListener('message', (e) => s.send(e.data)));
      const ws = new WebSocket('ws://127.0.0.1:' + port);
      const seen = [];
      ws.addEventListener('message', () => { throw new Error('listener bug'); });
      ws.addEventListener('message', (e) => { seen.push(e.data); if (seen.length === 2) setTimeout(() => ws.close(), 20); });
      ws.onopen = () => { ws.send('one'); ws.send('two'); };
      ws.onclose = async (e) => {
        await wss.close();
        console.log(JSON.stringify({ seen, uncaught, code: e.code }));
      };
    `;
    const { execFileSync } = await import('node:child_process');
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: new URL('../..', import.meta.url), encoding: 'utf8', timeout: 20000 });
    const result = JSON.parse(output.trim().split('\n').pop()!);
    assert.deepEqual(result.seen, ['one', 'two']);
    assert.deepEqual(result.uncaught, ['listener bug', 'listener bug'], 'each exception is reported');
    assert.equal(result.code, 1005, 'the connection closed normally afterwards');
  });
});

describe('messageDispatch policy', () => {
  for (const [mode, expected] of [
    ['sync', ['message:a', 'message:b', 'microtask after a', 'microtask after b']],
    ['task', ['message:a', 'microtask after a', 'message:b', 'microtask after b']],
  ] as const) {
    it(`'${mode}': ${mode === 'sync' ? 'messages of one read dispatch before their microtasks' : 'one task per message, microtasks in between (as in browsers)'}`, async (t) => {
      const { wss, url } = await startEchoServer(t);
      // Two messages in one write, so they arrive in the same read.
      wss.on('connection', (s) => {
        s.send('a');
        s.send('b');
      });
      const ws = new WebSocket(url, [], { messageDispatch: mode });
      const log: string[] = [];
      ws.onmessage = (event) => {
        log.push(`message:${event.data}`);
        queueMicrotask(() => log.push(`microtask after ${event.data}`));
      };
      while (log.filter((entry) => entry.startsWith('message')).length < 2) await nextEvent(ws, 'message');
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(log, expected);
      ws.close();
      await nextEvent(ws, 'close');
    });
  }

  it('rejects an unknown policy', () => {
    assert.throws(() => new WebSocket('ws://127.0.0.1:1/', [], { messageDispatch: 'eventually' as never }), TypeError);
  });
});
