/**
 * Interoperability with real peers: `ws` (client and server), undici's
 * WebSocket client, and Node's own experimental WebSocket (Node 20 needs
 * --experimental-websocket, so that one runs in a child process).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { WebSocket as UndiciWebSocket } from 'undici';
import { WebSocket as WsWebSocket, WebSocketServer as WsServer } from 'ws';
import { type CloseEvent, WebSocket } from '../../src/index.js';
import { nextEvent, startEchoServer } from '../support/api.js';

const sizes = [0, 125, 126, 65535, 65536, 1 << 20];
const payload = (size: number) => Buffer.from(Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff));

describe('rfc6455 client ↔ ws server', () => {
  it('echoes text and binary of every length class, closes cleanly with a code and reason', async (t) => {
    const server = new WsServer({ port: 0, host: '127.0.0.1' });
    t.after(() => server.close());
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
    const { port } = server.address() as { port: number };
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    ws.binaryType = 'nodebuffer';
    const received: unknown[] = [];
    ws.onmessage = (event) => received.push(event.data);
    await nextEvent(ws, 'open');
    for (const size of sizes) {
      ws.send('é'.repeat(size >> 1));
      ws.send(payload(size));
    }
    while (received.length < sizes.length * 2) await nextEvent(ws, 'message');
    sizes.forEach((size, i) => {
      assert.equal(received[2 * i], 'é'.repeat(size >> 1));
      assert.ok(payload(size).equals(received[2 * i + 1] as Buffer), `binary ${size}`);
    });
    ws.close(4000, 'done');
    const event = await nextEvent<CloseEvent>(ws, 'close');
    assert.deepEqual([event.code, event.wasClean], [4000, true]);
  });
});

describe('ws client ↔ rfc6455 server', () => {
  it('echoes, pings, and closes cleanly', async (t) => {
    const { url } = await startEchoServer(t);
    const client = new WsWebSocket(url);
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    const received: Buffer[] = [];
    client.on('message', (data: Buffer) => received.push(data));
    for (const size of sizes) client.send(payload(size));
    const pong = new Promise<Buffer>((resolve) => client.once('pong', resolve));
    client.ping('ping-data');
    assert.equal((await pong).toString(), 'ping-data');
    while (received.length < sizes.length) await new Promise((resolve) => client.once('message', resolve));
    sizes.forEach((size, i) => assert.ok(payload(size).equals(received[i]!), `binary ${size}`));
    const closed = new Promise<[number, Buffer]>((resolve) => client.once('close', (code: number, reason: Buffer) => resolve([code, reason])));
    client.close(1000, 'bye');
    const [code] = await closed;
    assert.equal(code, 1000);
  });
});

describe('undici WebSocket ↔ rfc6455 server', () => {
  it('exchanges messages and closes cleanly', async (t) => {
    const { url } = await startEchoServer(t, { protocols: ['chat'] });
    const client = new UndiciWebSocket(url, ['chat']);
    client.binaryType = 'arraybuffer';
    await new Promise((resolve, reject) => {
      client.onopen = resolve;
      client.onerror = reject;
    });
    assert.equal(client.protocol, 'chat');
    const messages: unknown[] = [];
    const done = new Promise<void>((resolve) => {
      client.onmessage = (event) => {
        messages.push(event.data);
        if (messages.length === 2) resolve();
      };
    });
    client.send('hello undici');
    client.send(payload(70000));
    await done;
    assert.equal(messages[0], 'hello undici');
    assert.ok(payload(70000).equals(Buffer.from(messages[1] as ArrayBuffer)));
    const closed = new Promise<{ code: number; wasClean: boolean }>((resolve) => (client.onclose = (e) => resolve(e)));
    client.close(3001, 'bye');
    const event = await closed;
    assert.deepEqual([event.code, event.wasClean], [3001, true]);
  });
});

describe("Node's experimental WebSocket ↔ rfc6455 server", () => {
  it('exchanges a message and closes cleanly', async (t) => {
    const { url } = await startEchoServer(t);
    const script = `
      const ws = new WebSocket(${JSON.stringify(url)});
      ws.onopen = () => ws.send('from node');
      ws.onmessage = (e) => { console.log('message:' + e.data); ws.close(1000); };
      ws.onclose = (e) => console.log('close:' + e.code + ':' + e.wasClean);
      ws.onerror = (e) => console.log('error:' + e.message);
    `;
    const flags = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function' ? [] : ['--experimental-websocket'];
    const { stdout } = await promisify(execFile)(process.execPath, [...flags, '--no-warnings', '-e', script], { timeout: 15000 });
    assert.deepEqual(stdout.trim().split('\n'), ['message:from node', 'close:1000:true']);
  });
});
