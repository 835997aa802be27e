/**
 * send(), close(), binaryType, bufferedAmount, ping/pong
 * (https://websockets.spec.whatwg.org/#dom-websocket-send and following).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CloseEvent, WebSocket } from '../../src/index.js';
import { nextEvent, openClient, recordEvents, startEchoServer, startRawServer, startServer } from '../support/api.js';

const isDomException = (name: string) => (error: unknown) => error instanceof DOMException && error.name === name;

describe('send()', () => {
  it('throws InvalidStateError while CONNECTING', async (t) => {
    const { url } = await startEchoServer(t);
    const ws = new WebSocket(url);
    assert.throws(() => ws.send('early'), isDomException('InvalidStateError'));
    await nextEvent(ws, 'open');
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('sends strings as text and every binary type as binary, in call order (Blob included)', async (t) => {
    const { url } = await startEchoServer(t);
    const ws = await openClient(url);
    ws.binaryType = 'nodebuffer';
    const log = recordEvents(ws, ['message']);
    const bytes = Uint8Array.of(1, 2, 3, 4);
    ws.send('text');
    ws.send(bytes.buffer);
    ws.send(new Uint8Array(bytes.buffer, 1, 2));
    ws.send(new Uint16Array([0x0201]));
    ws.send(new DataView(bytes.buffer, 2));
    ws.send(Buffer.from('buf'));
    ws.send(new Blob(['blob-', 'data']));
    ws.send('after the blob');
    ws.send(42 as never); // WebIDL converts other values to strings
    while (log.length < 9) await nextEvent(ws, 'message');
    assert.deepEqual(log, [
      'message:text',
      'message:buffer(01020304)',
      'message:buffer(0203)',
      'message:buffer(0102)',
      'message:buffer(0304)',
      `message:buffer(${Buffer.from('buf').toString('hex')})`,
      `message:buffer(${Buffer.from('blob-data').toString('hex')})`,
      'message:after the blob',
      'message:42',
    ]);
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('copies the data at call time: later mutation changes nothing', async (t) => {
    const { url } = await startEchoServer(t);
    const ws = await openClient(url);
    ws.binaryType = 'nodebuffer';
    const log = recordEvents(ws, ['message']);
    const data = new Uint8Array([1, 1, 1]);
    ws.send(new Blob(['x'])); // the next send queues behind the Blob
    ws.send(data);
    data.fill(9);
    while (log.length < 2) await nextEvent(ws, 'message');
    assert.deepEqual(log, [`message:buffer(${Buffer.from('x').toString('hex')})`, 'message:buffer(010101)']);
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('{ copy: false } sends the caller\'s bytes without copying them (they must not change until sent)', async (t) => {
    const { wss, url } = await startServer(t);
    const received = new Promise<Buffer>((resolve) => wss.on('connection', (s) => {
      s.binaryType = 'nodebuffer';
      s.addEventListener('message', (e) => resolve((e as MessageEvent).data as Buffer));
    }));
    const client = await openClient(url);
    const [serverSide] = [...wss.clients];
    const big = Buffer.alloc(200_000, 7);
    // Server side (unmasked): with copy: false the payload itself is written; mutating it
    // right after send() would show on the wire, which is exactly the contract's warning.
    serverSide!.send(big, { copy: false });
    const echoed = new Promise<MessageEvent>((resolve) => client.addEventListener('message', (e) => resolve(e as MessageEvent), { once: true }));
    client.binaryType = 'nodebuffer';
    assert.ok(((await echoed).data as Buffer).equals(big));
    client.send(Buffer.from('done'), { copy: false });
    assert.equal((await received).toString(), 'done');
    client.close();
    await nextEvent(client, 'close');
  });

  it('bufferedAmount rises with send() and falls back to 0; bufferedamountlow fires', async (t) => {
    const { url } = await startEchoServer(t);
    const ws = await openClient(url);
    let lows = 0;
    ws.onbufferedamountlow = () => lows++;
    ws.send('12345');
    ws.send(new Uint8Array(10));
    assert.equal(ws.bufferedAmount, 15);
    await nextEvent(ws, 'bufferedamountlow');
    assert.equal(ws.bufferedAmount, 0);
    assert.ok(lows >= 1);
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('after close(), send() only adds to bufferedAmount (WHATWG), and sends nothing', async (t) => {
    const { wss, url } = await startServer(t);
    const received: unknown[] = [];
    wss.on('connection', (s) => s.addEventListener('message', (e) => received.push((e as MessageEvent).data)));
    const ws = await openClient(url);
    ws.close();
    ws.send('€'); // 3 bytes of UTF-8
    ws.send(new Uint8Array(4));
    assert.equal(ws.bufferedAmount, 7);
    await nextEvent(ws, 'close');
    assert.deepEqual(received, []);
  });
});

describe('close()', () => {
  it('throws InvalidAccessError for codes other than 1000 and 3000–4999', async (t) => {
    const { url } = await startEchoServer(t);
    const ws = await openClient(url);
    for (const code of [0, 999, 1001, 1005, 1006, 2999, 5000, 65535, NaN]) {
      assert.throws(() => ws.close(code), isDomException('InvalidAccessError'), String(code));
    }
    assert.equal(ws.readyState, WebSocket.OPEN);
    // [Clamp]: 3000.4 becomes 3000, valid.
    ws.close(3000.4);
    const event = await nextEvent<CloseEvent>(ws, 'close');
    assert.equal(event.code, 3000);
  });

  it('throws SyntaxError for a reason over 123 bytes of UTF-8', async (t) => {
    const { url } = await startEchoServer(t);
    const ws = await openClient(url);
    assert.throws(() => ws.close(1000, 'é'.repeat(62)), isDomException('SyntaxError'));
    ws.close(1000, 'é'.repeat(61) + 'x'); // exactly 123 bytes
    await nextEvent(ws, 'close');
  });

  const cases: [string, [(number | undefined)?, string?], number, string][] = [
    ['no code: the server sees 1005', [], 1005, ''],
    ['a reason without a code: 1000', [undefined, 'bye'], 1000, 'bye'],
    ['code and reason', [4321, 'custom ✓'], 4321, 'custom ✓'],
  ];
  for (const [name, args, code, reason] of cases) {
    it(`${name}; both sides close cleanly`, async (t) => {
      const { wss, url } = await startServer(t);
      const serverClose = new Promise<CloseEvent>((resolve) => wss.on('connection', (s) => s.addEventListener('close', (e) => resolve(e as CloseEvent))));
      const ws = await openClient(url);
      ws.close(...args);
      assert.equal(ws.readyState, WebSocket.CLOSING);
      const [clientEvent, serverEvent] = await Promise.all([nextEvent<CloseEvent>(ws, 'close'), serverClose]);
      assert.deepEqual([serverEvent.code, serverEvent.reason, serverEvent.wasClean], [code, reason, true]);
      assert.deepEqual([clientEvent.code, clientEvent.wasClean], [code, true], 'the server echoes the code');
    });
  }

  it('the server closing with a code and reason reaches the client', async (t) => {
    const { wss, url } = await startServer(t);
    wss.on('connection', (s) => s.close(4000, 'server says bye'));
    const ws = new WebSocket(url);
    const event = await nextEvent<CloseEvent>(ws, 'close');
    assert.deepEqual([event.code, event.reason, event.wasClean], [4000, 'server says bye', true]);
  });

  it('calling close() twice sends one close frame; later calls do nothing', async (t) => {
    const frames: Buffer[] = [];
    const { url } = await startRawServer(t, (socket) => socket.on('data', (chunk: Buffer) => frames.push(chunk)));
    const ws = await openClient(url);
    ws.close(1000);
    ws.close(3000);
    ws.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const wire = Buffer.concat(frames);
    assert.equal(wire.length, 2 + 4 + 2, 'one masked close frame with a 2-byte code');
    assert.equal(wire[0], 0x88);
  });

  it('wasClean is false and code 1006 when the server drops TCP without a close frame', async (t) => {
    const { url } = await startRawServer(t, (socket) => setTimeout(() => socket.destroy(), 10));
    const ws = new WebSocket(url);
    const log = recordEvents(ws);
    await nextEvent(ws, 'close');
    assert.deepEqual(log, ['open', 'error', 'close:1006::false']);
  });
});

describe('binaryType', () => {
  it('defaults to blob; arraybuffer and nodebuffer work; invalid values are ignored', async (t) => {
    const { url } = await startEchoServer(t);
    const ws = await openClient(url);
    const payload = Uint8Array.of(0xca, 0xfe);
    ws.send(payload);
    const blob = (await nextEvent<MessageEvent>(ws, 'message')).data;
    assert.ok(blob instanceof Blob);
    assert.deepEqual([...new Uint8Array(await blob.arrayBuffer())], [0xca, 0xfe]);
    ws.binaryType = 'arraybuffer';
    ws.binaryType = 'invalid' as never;
    assert.equal(ws.binaryType, 'arraybuffer');
    ws.send(payload);
    const arrayBuffer = (await nextEvent<MessageEvent>(ws, 'message')).data;
    assert.ok(arrayBuffer instanceof ArrayBuffer);
    assert.equal(arrayBuffer.byteLength, 2);
    ws.binaryType = 'nodebuffer';
    ws.send(payload);
    const buffer = (await nextEvent<MessageEvent>(ws, 'message')).data;
    assert.ok(Buffer.isBuffer(buffer));
    assert.deepEqual([...buffer], [0xca, 0xfe]);
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('text messages are strings regardless of binaryType; MessageEvent.origin is the URL origin', async (t) => {
    const { url, port } = await startEchoServer(t);
    const ws = await openClient(`${url}/some/path`);
    ws.binaryType = 'arraybuffer';
    ws.send('hello');
    const event = await nextEvent<MessageEvent>(ws, 'message');
    assert.equal(event.data, 'hello');
    assert.equal(event.origin, `ws://127.0.0.1:${port}`);
    ws.close();
    await nextEvent(ws, 'close');
  });
});

describe('ping() and pong events (k6 extras)', () => {
  it('ping() is answered with a pong carrying the payload; the peer sees a ping event', async (t) => {
    const { wss, url } = await startEchoServer(t);
    const serverPing = new Promise<MessageEvent>((resolve) => wss.on('connection', (s) => s.addEventListener('ping', (e) => resolve(e as MessageEvent))));
    const ws = await openClient(url);
    ws.ping('are you there?');
    const pong = await nextEvent<MessageEvent>(ws, 'pong');
    assert.equal((pong.data as Buffer).toString(), 'are you there?');
    assert.equal(((await serverPing).data as Buffer).toString(), 'are you there?');
    assert.throws(() => ws.ping(new Uint8Array(126)), RangeError);
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('ping() throws InvalidStateError while CONNECTING', async (t) => {
    const { url } = await startEchoServer(t);
    const ws = new WebSocket(url);
    assert.throws(() => ws.ping(), isDomException('InvalidStateError'));
    await nextEvent(ws, 'open');
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('heartbeat detects a silent server: error then close 1006', async (t) => {
    const { url } = await startRawServer(t, () => {}); // never answers pings
    const ws = new WebSocket(url, [], { heartbeat: { interval: 40, timeout: 40 } });
    const log = recordEvents(ws);
    const error = nextEvent(ws, 'error');
    await nextEvent(ws, 'close');
    assert.deepEqual(log, ['open', 'error', 'close:1006::false']);
    assert.equal(((await error) as unknown as { error: { code: string } }).error.code, 'WS_ERR_HEARTBEAT_TIMEOUT');
  });

  it('close timeout: a server that never answers the close frame is dropped', async (t) => {
    const { url } = await startRawServer(t, () => {});
    const ws = new WebSocket(url, [], { closeTimeout: 60 });
    await nextEvent(ws, 'open');
    const started = Date.now();
    ws.close();
    const event = await nextEvent<CloseEvent>(ws, 'close');
    assert.deepEqual([event.code, event.wasClean], [1006, false]);
    assert.ok(Date.now() - started >= 55);
  });

  it('a TCP reset in the middle of a message: error then close 1006', async (t) => {
    const { url } = await startRawServer(t, (socket) => {
      socket.write(Buffer.from([0x82, 0x7e, 0x10, 0x00, 1, 2, 3])); // 4 KiB frame, 3 bytes sent
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
    const ws = new WebSocket(url);
    const log = recordEvents(ws);
    await nextEvent(ws, 'close');
    assert.deepEqual(log, ['open', 'error', 'close:1006::false']);
  });
});
