/**
 * Connection (src/socket): the state machine over in-memory and loopback TCP
 * transports, grouped by the RFC 6455 section each test checks. The other end
 * is either another Connection or a raw peer that writes hand-made bytes and
 * parses what comes back, so the exact frames on the wire are asserted.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, describe, it } from 'node:test';
import type { Duplex } from 'node:stream';
import { Opcode } from '../../src/frame/opcode.js';
import { encodeClosePayload, encodeFrame } from '../../src/frame/serializer.js';
import { Connection, type CloseInfo, type ConnectionHandler } from '../../src/socket/connection.js';
import type { ConnectionOptions } from '../../src/socket/options.js';
import { memoryPair, sleep, tcpPair } from '../support/duplex-pair.js';
import { type FrameEvent, parseChunks } from '../support/frame-events.js';

type Event =
  | { type: 'message'; data: string; binary: boolean }
  | { type: 'ping' | 'pong'; data: string }
  | { type: 'error'; code: string | undefined }
  | { type: 'close'; info: CloseInfo }
  | { type: 'low' };

/** Every connection a test made; whatever is still open afterwards is terminated. */
const live: Connection[] = [];
afterEach(() => {
  for (const connection of live.splice(0)) connection.terminate();
});

/** A Connection whose events are recorded, with a promise for its close. */
function recorded(role: 'client' | 'server', options: ConnectionOptions = {}) {
  const events: Event[] = [];
  let resolveClosed!: (info: CloseInfo) => void;
  const closed = new Promise<CloseInfo>((resolve) => (resolveClosed = resolve));
  const handler: ConnectionHandler = {
    onMessage: (data, binary) => events.push({ type: 'message', data: data.toString(), binary }),
    onPing: (p) => events.push({ type: 'ping', data: p.toString() }),
    onPong: (p) => events.push({ type: 'pong', data: p.toString() }),
    onError: (e) => events.push({ type: 'error', code: (e as { code?: string }).code }),
    onClose: (info) => {
      events.push({ type: 'close', info });
      resolveClosed(info);
    },
    onBufferedAmountLow: () => events.push({ type: 'low' }),
  };
  const connection = new Connection(role, options, handler);
  live.push(connection);
  return { connection, events, closed };
}

/** A connected pair of Connections over an in-memory transport. */
function connectedPair(options: { client?: ConnectionOptions; server?: ConnectionOptions } = {}) {
  const [a, b] = memoryPair();
  const client = recorded('client', options.client);
  const server = recorded('server', options.server);
  client.connection.attach(a);
  server.connection.attach(b);
  client.connection.start();
  server.connection.start();
  return { client, server, clientEnd: a, serverEnd: b };
}

/** A Connection on one end and a raw byte peer on the other. */
function withRawPeer(role: 'client' | 'server', options: ConnectionOptions = {}, transport: [Duplex, Duplex] = memoryPair()) {
  const [mine, theirs] = transport;
  const subject = recorded(role, options);
  subject.connection.attach(mine);
  subject.connection.start();
  const received: Buffer[] = [];
  theirs.on('data', (chunk: Buffer) => received.push(chunk));
  const peerMasks = role === 'server'; // the raw peer plays the other role
  return {
    ...subject,
    theirs,
    /** Send a frame as the peer would. */
    send: (opcode: number, payload: Buffer | string = '', extra: { fin?: boolean } = {}) =>
      theirs.write(Buffer.concat(encodeFrame(opcode as Opcode, payload, { mask: peerMasks, ...extra }))),
    /** Frames the subject wrote so far, parsed. */
    frames: (): FrameEvent[] => parseChunks({ role: role === 'server' ? 'client' : 'server' }, [Buffer.concat(received)]),
    rawBytes: () => Buffer.concat(received),
  };
}


describe('RFC 6455 §5.1 masking', () => {
  it('a client masks every frame and a server masks none', async () => {
    const client = withRawPeer('client');
    client.connection.send('hi', false);
    client.connection.ping(Buffer.from('p'));
    await sleep(5);
    const bytes = client.rawBytes();
    assert.equal(bytes[1]! & 0x80, 0x80, 'text frame masked');
    assert.equal(bytes[2 + 4 + 2 + 1]! & 0x80, 0x80, 'ping masked');
    const server = withRawPeer('server');
    server.connection.send('hi', false);
    await sleep(5);
    assert.equal(server.rawBytes().toString('hex'), '81026869');
  });
});

describe('messages', () => {
  it('text and binary messages cross in both directions, in order', async () => {
    const { client, server } = connectedPair();
    client.connection.send('one', false);
    client.connection.send(Buffer.from('two'), true);
    server.connection.send('three', false);
    await sleep(5);
    const messages = (events: Event[]) => events.filter((e) => e.type === 'message');
    assert.deepEqual(messages(server.events), [{ type: 'message', data: 'one', binary: false }, { type: 'message', data: 'two', binary: true }]);
    assert.deepEqual(messages(client.events), [{ type: 'message', data: 'three', binary: false }]);
  });

  it('send copies the caller\'s bytes by default (later mutation changes nothing)', async () => {
    const { client, server } = connectedPair();
    const data = Buffer.from('original');
    server.connection.send(data, true); // unmasked: would be zero-copy without the copy
    data.write('mutated!');
    await sleep(5);
    assert.deepEqual(client.events.filter((e) => e.type === 'message'), [{ type: 'message', data: 'original', binary: true }]);
  });

  it('copy: false writes a large payload as is, after its header (no copy, one writev)', () => {
    const [a] = memoryPair();
    const subject = recorded('server');
    subject.connection.attach(a);
    subject.connection.start();
    const written: unknown[] = [];
    const write = a.write.bind(a);
    a.write = ((chunk: unknown, ...rest: never[]) => {
      written.push(chunk);
      return write(chunk as Buffer, ...rest);
    }) as typeof a.write;
    const payload = Buffer.alloc(100_000, 1);
    subject.connection.send(payload, true, { copy: false });
    assert.equal(written.length, 2);
    assert.equal(written[1], payload, 'the caller\'s buffer itself');
    subject.connection.send(payload, true);
    assert.equal(written.length, 3, 'the default copies header and payload into one buffer');
    assert.notEqual(written[2], payload);
  });

  it('fragmentSize splits outgoing messages into frames (RFC 6455 §5.4)', async () => {
    const server = withRawPeer('server', { fragmentSize: 4 });
    server.connection.send('abcdefghij', false);
    await sleep(5);
    // 01 04 abcd | 00 04 efgh | 80 02 ij
    assert.equal(server.rawBytes().toString('hex'), '0104' + '61626364' + '0004' + '65666768' + '8002' + '696a');
  });

  it('a burst of sends in one tick is one write to the transport', async () => {
    const [a, b] = memoryPair();
    const subject = recorded('server');
    subject.connection.attach(a);
    subject.connection.start();
    b.resume();
    const before = a.writeCalls;
    for (let i = 0; i < 100; i++) subject.connection.send(`message ${i}`, false);
    await sleep(5);
    assert.equal(a.writeCalls - before, 1);
  });

  it('bytes that arrived with the handshake are processed on start(), not before', async () => {
    const [a, b] = memoryPair();
    const subject = recorded('client');
    const head = Buffer.concat(encodeFrame(Opcode.Text, 'early'));
    subject.connection.attach(a, head);
    assert.deepEqual(subject.events, []);
    subject.connection.start();
    assert.deepEqual(subject.events, [{ type: 'message', data: 'early', binary: false }]);
    b.destroy();
  });
});

describe('RFC 6455 §5.5.2/§5.5.3 ping and pong', () => {
  it('answers a ping with a pong carrying the same payload, and reports both', async () => {
    const peer = withRawPeer('server');
    peer.send(Opcode.Ping, 'are you there');
    peer.send(Opcode.Pong, 'unsolicited');
    await sleep(5);
    assert.deepEqual(peer.frames(), [{ type: 'pong', hex: Buffer.from('are you there').toString('hex') }]);
    assert.deepEqual(peer.events, [{ type: 'ping', data: 'are you there' }, { type: 'pong', data: 'unsolicited' }]);
  });

  it('the pong goes out before data sent after the ping arrived', async () => {
    const peer = withRawPeer('client');
    peer.connection.send('before', false);
    peer.send(Opcode.Ping, 'x');
    await sleep(5);
    peer.connection.send('after', false);
    await sleep(5);
    assert.deepEqual(peer.frames().map((f) => f.type + ('hex' in f ? ':' + Buffer.from(f.hex, 'hex').toString() : '')), ['message:before', 'pong:x', 'message:after']);
  });

  it('ping() and pong() reject payloads over 125 bytes', () => {
    const { client } = connectedPair();
    assert.throws(() => client.connection.ping(Buffer.alloc(126)), RangeError);
    assert.throws(() => client.connection.pong(Buffer.alloc(126)), RangeError);
  });
});

describe('RFC 6455 §7 closing handshake', () => {
  it('client-initiated: the server echoes the code, closes TCP first, both are clean', async () => {
    const { client, server } = connectedPair();
    client.connection.close(1000, 'done');
    assert.equal(client.connection.readyState, 2);
    const [clientInfo, serverInfo] = await Promise.all([client.closed, server.closed]);
    assert.deepEqual(clientInfo, { code: 1000, reason: '', wasClean: true });
    assert.deepEqual(serverInfo, { code: 1000, reason: 'done', wasClean: true });
    assert.equal(client.connection.readyState, 3);
    assert.ok(!client.events.some((e) => e.type === 'error'));
  });

  it('close() without a code sends an empty close frame: the peer sees 1005', async () => {
    const { client, server } = connectedPair();
    server.connection.close();
    const [clientInfo, serverInfo] = await Promise.all([client.closed, server.closed]);
    assert.equal(clientInfo.code, 1005);
    assert.equal(serverInfo.code, 1005);
    assert.equal(serverInfo.wasClean, true);
  });

  it('a peer\'s close is echoed with its code (§5.5.1), then the server closes TCP', async () => {
    const peer = withRawPeer('server');
    peer.send(Opcode.Close, encodeClosePayload(4001, 'bye'));
    const info = await peer.closed;
    assert.deepEqual(info, { code: 4001, reason: 'bye', wasClean: true });
    assert.deepEqual(peer.frames(), [{ type: 'close', code: 4001, reason: '' }]);
    assert.equal(peer.theirs.readableEnded, true, 'the server sent FIN');
  });

  it('messages arriving after close() are dropped (WHATWG: readyState is not OPEN)', async () => {
    const peer = withRawPeer('client');
    peer.connection.close(1000);
    peer.send(Opcode.Text, 'late');
    peer.send(Opcode.Close, encodeClosePayload(1000));
    peer.theirs.end();
    await peer.closed;
    assert.deepEqual(peer.events.filter((e) => e.type === 'message'), []);
  });

  it('send() after close() counts the bytes in bufferedAmount and sends nothing', async () => {
    const peer = withRawPeer('server');
    peer.connection.close(1000);
    peer.connection.send('ignored', false);
    assert.equal(peer.connection.bufferedAmount, 7);
    await sleep(5);
    assert.deepEqual(peer.frames().map((f) => f.type), ['close']);
  });

  it('close timeout: a peer that never answers is dropped with 1006 after closeTimeout', async () => {
    const peer = withRawPeer('client', { closeTimeout: 50 });
    const started = Date.now();
    peer.connection.close(1000);
    const info = await peer.closed;
    assert.deepEqual(info, { code: 1006, reason: '', wasClean: false });
    assert.ok(Date.now() - started >= 45);
    assert.deepEqual(peer.events.slice(-2).map((e) => e.type), ['error', 'close']);
    assert.equal((peer.events.find((e) => e.type === 'error') as { code?: string }).code, 'WS_ERR_CLOSE_TIMEOUT');
  });

  it('calling close() twice sends one close frame', async () => {
    const peer = withRawPeer('server');
    peer.connection.close(1000);
    peer.connection.close(3000);
    await sleep(5);
    assert.deepEqual(peer.frames(), [{ type: 'close', code: 1000, reason: '' }]);
  });
});

describe('RFC 6455 §7.1.7 failing the connection', () => {
  const cases: [string, (peer: ReturnType<typeof withRawPeer>) => void, number][] = [
    ['a protocol error sends 1002', (p) => p.theirs.write(Buffer.from([0x83, 0x80, 0, 0, 0, 0])), 1002],
    ['invalid UTF-8 sends 1007', (p) => p.send(Opcode.Text, Buffer.from([0xff])), 1007],
    ['a message over maxPayload sends 1009', (p) => p.send(Opcode.Binary, Buffer.alloc(11)), 1009],
  ];
  for (const [name, act, wireCode] of cases) {
    it(`${name} on the wire; the application sees error, then close 1006 unclean`, async () => {
      const peer = withRawPeer('server', { maxPayload: 10 });
      act(peer);
      await sleep(5);
      assert.deepEqual(peer.frames(), [{ type: 'close', code: wireCode, reason: '' }]);
      assert.equal(peer.theirs.readableEnded, true, 'TCP half-closed after the close frame');
      peer.theirs.end();
      const info = await peer.closed;
      assert.deepEqual(info, { code: 1006, reason: '', wasClean: false });
      assert.deepEqual(peer.events.map((e) => e.type), ['error', 'close']);
    });
  }

  it('stops processing input after failing (no events for later frames)', async () => {
    const peer = withRawPeer('server');
    peer.send(Opcode.Text, Buffer.from([0xc0]));
    peer.send(Opcode.Text, 'after');
    peer.theirs.end();
    await peer.closed;
    assert.deepEqual(peer.events.map((e) => e.type), ['error', 'close']);
  });
});

describe('transport loss', () => {
  it('TCP reset mid-message: error, then close 1006 wasClean false', async () => {
    const [clientSocket, serverSocket] = await tcpPair();
    const peer = withRawPeer('server', {}, [serverSocket, clientSocket]);
    clientSocket.write(Buffer.from([0x82, 0xfe, 0x10, 0x00, 1, 2, 3, 4, 9, 9, 9])); // 4 KiB frame, 3 bytes sent
    await sleep(10);
    clientSocket.resetAndDestroy();
    const info = await peer.closed;
    assert.deepEqual(info, { code: 1006, reason: '', wasClean: false });
    assert.deepEqual(peer.events.map((e) => e.type), ['error', 'close']);
  });

  it('FIN without a close frame: error, then close 1006', async () => {
    const peer = withRawPeer('client');
    peer.theirs.end();
    const info = await peer.closed;
    assert.equal(info.code, 1006);
    assert.equal((peer.events[0] as { code?: string }).code, 'WS_ERR_CONNECTION_LOST');
  });

  it('terminate() destroys at once: error then close 1006', async () => {
    const { client } = connectedPair();
    client.connection.terminate();
    const info = await client.closed;
    assert.deepEqual(info, { code: 1006, reason: '', wasClean: false });
    assert.equal((client.events[0] as { code?: string }).code, 'WS_ERR_TERMINATED');
  });

  it('close() while connecting reports CLOSING; failHandshake() then reports error and close 1006', () => {
    const subject = recorded('client');
    subject.connection.close(1000);
    assert.equal(subject.connection.readyState, 2);
    assert.equal(subject.connection.closedWhileConnecting, true);
    assert.equal(subject.events.length, 0);
    subject.connection.failHandshake(new Error('aborted'));
    assert.deepEqual(subject.events.map((e) => e.type), ['error', 'close']);
    assert.equal(subject.connection.readyState, 3);
  });

  it('failHandshake() reports error then close 1006, once', async () => {
    const subject = recorded('client');
    subject.connection.failHandshake(new Error('refused'));
    subject.connection.failHandshake(new Error('again'));
    assert.deepEqual(subject.events.map((e) => e.type), ['error', 'close']);
    assert.equal(subject.connection.readyState, 3);
  });
});

describe('liveness: heartbeat and idle timeout', () => {
  it('heartbeat fails a silent peer (no pong) within interval + timeout', async () => {
    const peer = withRawPeer('client', { heartbeat: { interval: 30, timeout: 30 } });
    const started = Date.now();
    const info = await peer.closed;
    const elapsed = Date.now() - started;
    assert.equal(info.code, 1006);
    assert.ok(elapsed >= 55 && elapsed < 1000, `failed after ${elapsed} ms`);
    assert.equal((peer.events[0] as { code?: string }).code, 'WS_ERR_HEARTBEAT_TIMEOUT');
    assert.ok(peer.frames().some((f) => f.type === 'ping'), 'heartbeat pings were sent');
  });

  it('heartbeat keeps a responsive peer open', async () => {
    const { client, server } = connectedPair({ client: { heartbeat: { interval: 20, timeout: 20 } } });
    await sleep(120);
    assert.equal(client.connection.readyState, 1);
    assert.ok(client.events.filter((e) => e.type === 'pong').length >= 2, 'pongs came back');
    assert.ok(server.events.filter((e) => e.type === 'ping').length >= 2);
  });

  it('idle timeout starts the closing handshake with 1001', async () => {
    const { client, server } = connectedPair({ server: { idleTimeout: 30 } });
    const [clientInfo] = await Promise.all([client.closed, server.closed]);
    assert.deepEqual(clientInfo, { code: 1001, reason: 'Idle timeout', wasClean: true });
  });
});

describe('backpressure: bufferedAmount', () => {
  it('rises on send and falls once the kernel has the bytes, with one low notification', async () => {
    const [clientSocket, serverSocket] = await tcpPair();
    const peer = withRawPeer('server', {}, [serverSocket, clientSocket]);
    clientSocket.pause(); // the peer does not read: the kernel buffers fill
    const chunk = Buffer.alloc(1 << 20);
    for (let i = 0; i < 32; i++) peer.connection.send(chunk, true);
    assert.equal(peer.connection.bufferedAmount, 32 << 20);
    await sleep(50);
    const stuck = peer.connection.bufferedAmount;
    assert.ok(stuck > 0 && stuck <= 32 << 20, `nothing is dropped while the peer is slow (${stuck} buffered)`);
    assert.ok(!peer.events.some((e) => e.type === 'low'));
    clientSocket.resume();
    while (peer.connection.bufferedAmount > 0) await sleep(10);
    await sleep(10);
    assert.deepEqual(peer.events.filter((e) => e.type === 'low'), [{ type: 'low' }]);
    clientSocket.destroy();
    await once(serverSocket, 'close');
  });

  it('coalesces pongs while the socket is backed up (ping flood cannot grow memory)', async () => {
    const [clientSocket, serverSocket] = await tcpPair();
    const peer = withRawPeer('server', {}, [serverSocket, clientSocket]);
    clientSocket.pause();
    peer.connection.send(Buffer.alloc(8 << 20), true); // fill the socket
    const pings = Buffer.concat(Array.from({ length: 2000 }, (_, i) => Buffer.concat(encodeFrame(Opcode.Ping, `p${i}`, { mask: true }))));
    clientSocket.write(pings);
    await sleep(100);
    const queued = serverSocket.writableLength;
    assert.ok(queued < (8 << 20) + 1000, `at most one pong is queued behind the data (${queued} bytes buffered)`);
    clientSocket.destroy();
    await peer.closed;
  });

  it('a pong held back by backpressure is dropped once the close frame is sent: nothing follows the close frame', async () => {
    const [clientSocket, serverSocket] = await tcpPair();
    const peer = withRawPeer('server', {}, [serverSocket, clientSocket]);
    clientSocket.pause();
    peer.connection.send(Buffer.alloc(8 << 20), true); // fill the socket
    clientSocket.write(Buffer.concat(encodeFrame(Opcode.Ping, 'late', { mask: true })));
    await sleep(50); // the ping is read and its pong held
    peer.connection.close(1000, 'bye');
    clientSocket.resume(); // the socket drains
    await sleep(300);
    assert.deepEqual(peer.frames().map((frame) => frame.type), ['message', 'close']);
    // The frame parser stops at a close frame, so look at the raw bytes: the close frame must be the last thing written.
    const wire = peer.rawBytes();
    const closeFrame = Buffer.concat(encodeFrame(Opcode.Close, encodeClosePayload(1000, 'bye'), { mask: false }));
    assert.deepEqual(wire.subarray(wire.length - closeFrame.length), closeFrame, `the last bytes on the wire: ${wire.subarray(-16).toString('hex')}`);
    clientSocket.destroy();
    await peer.closed;
  });
});
