/**
 * examples/chat-server.ts: the protocol the k6 chat example expects
 * (SET_NAME, SAY, LEAVE → CHAT_MSG to the room; ERROR to the sender), rooms
 * per path, and bad input — malformed JSON, wrong types, unknown events,
 * binary data, an oversized message (1009), abrupt disconnects — none of
 * which stops the server serving others. All on 127.0.0.1, ephemeral ports.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { serve, startChatServer, type ChatServerOptions } from '../../examples/chat-server.js';
import { chatClient } from '../tools/support/chat-client.js';

const ROOT = join(import.meta.dirname, '..', '..');

async function server(t: TestContext, options: ChatServerOptions = {}) {
  const chat = await startChatServer(options);
  t.after(() => chat.close());
  return chat;
}

const chat = (user: string, message: string) => ({ event: 'CHAT_MSG', user, message });

describe('chat server: protocol', { timeout: 20_000 }, () => {
  it('SET_NAME joins the room and is announced to every member, the sender included', async (t) => {
    const { url } = await server(t);
    const alice = await chatClient(url);
    alice.send({ event: 'SET_NAME', new_name: 'alice' });
    assert.deepEqual(await alice.take(), [chat('server', 'alice joined the chat')]);
    const bob = await chatClient(url);
    bob.send({ event: 'SET_NAME', new_name: 'bob' });
    assert.deepEqual(await bob.take(), [chat('server', 'bob joined the chat')]);
    assert.deepEqual(await alice.take(), [chat('server', 'bob joined the chat')]);
  });

  it('SAY is broadcast as CHAT_MSG from the sender to the whole room, in order', async (t) => {
    const { url } = await server(t);
    const alice = await chatClient(url);
    const bob = await chatClient(url);
    alice.send({ event: 'SET_NAME', new_name: 'alice' });
    await alice.take();
    bob.send({ event: 'SET_NAME', new_name: 'bob' });
    await bob.take();
    await alice.take();
    alice.send({ event: 'SAY', message: 'hello' });
    alice.send({ event: 'SAY', message: "I'm saying abcde" });
    bob.send({ event: 'SAY', message: '' });
    const expected = [chat('alice', 'hello'), chat('alice', "I'm saying abcde"), chat('bob', '')];
    assert.deepEqual(await alice.take(3), expected);
    assert.deepEqual(await bob.take(3), expected);
  });

  it('a second SET_NAME renames; LEAVE leaves the room (announced to the others), after which SAY is refused', async (t) => {
    const { url } = await server(t);
    const alice = await chatClient(url);
    const bob = await chatClient(url);
    alice.send({ event: 'SET_NAME', new_name: 'alice' });
    bob.send({ event: 'SET_NAME', new_name: 'bob' });
    await alice.take(2);
    await bob.take(1);
    alice.send({ event: 'SET_NAME', new_name: 'alicia' });
    assert.deepEqual(await bob.take(), [chat('server', 'alice is now known as alicia')]);
    assert.deepEqual(await alice.take(), [chat('server', 'alice is now known as alicia')]);
    alice.send({ event: 'LEAVE' });
    assert.deepEqual(await bob.take(), [chat('server', 'alicia left the chat')]);
    alice.send({ event: 'SAY', message: 'anyone?' });
    assert.deepEqual(await alice.take(), [{ event: 'ERROR', message: 'join the room first (SET_NAME)' }]);
    alice.send({ event: 'LEAVE' });
    assert.deepEqual(await alice.take(), [{ event: 'ERROR', message: 'not in the room' }]);
    // Alice got none of the room's traffic after leaving (only her two errors).
    assert.equal(alice.inbox.filter((m) => m.event === 'CHAT_MSG').length, 3);
  });

  it('each URL path is its own room', async (t) => {
    const { port } = await server(t);
    const a = await chatClient(`ws://127.0.0.1:${port}/a`);
    const b = await chatClient(`ws://127.0.0.1:${port}/b`);
    a.send({ event: 'SET_NAME', new_name: 'in-a' });
    b.send({ event: 'SET_NAME', new_name: 'in-b' });
    assert.deepEqual(await a.take(), [chat('server', 'in-a joined the chat')]);
    assert.deepEqual(await b.take(), [chat('server', 'in-b joined the chat')]);
    a.send({ event: 'SAY', message: 'only a' });
    assert.deepEqual(await a.take(), [chat('in-a', 'only a')]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(b.inbox.length, 1);
  });

  it('serve() (the --serve contract) starts on 127.0.0.1 with an ephemeral port and a /ws URL', async (t) => {
    const service = await serve();
    t.after(() => service.close());
    assert.match(service.url, /^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    assert.notEqual(service.port, 0);
    const client = await chatClient(service.url);
    client.send({ event: 'SET_NAME', new_name: 'x' });
    assert.equal((await client.take())[0]!.event, 'CHAT_MSG');
  });
});

describe('chat server: bad input', { timeout: 20_000 }, () => {
  it('answers malformed, mistyped and unknown messages with ERROR, and the connection goes on', async (t) => {
    const { url } = await server(t);
    const client = await chatClient(url);
    const cases: [unknown, string][] = [
      ['{"event": "SET_NAME", "new_name": ', 'malformed JSON'],
      ['not json at all', 'malformed JSON'],
      ['', 'malformed JSON'],
      ['[1, 2]', 'a message must be a JSON object'],
      ['null', 'a message must be a JSON object'],
      ['42', 'a message must be a JSON object'],
      [{}, 'missing event'],
      [{ event: 'DANCE' }, 'unknown event "DANCE"'],
      [{ event: 'X'.repeat(1000) }, `unknown event "${'X'.repeat(64)}"`],
      [{ event: 7 }, 'event must be a string'],
      [{ event: 'SET_NAME' }, 'new_name must be a non-empty string of at most 64 characters'],
      [{ event: 'SET_NAME', new_name: 12 }, 'new_name must be a non-empty string of at most 64 characters'],
      [{ event: 'SET_NAME', new_name: '   ' }, 'new_name must be a non-empty string of at most 64 characters'],
      [{ event: 'SET_NAME', new_name: 'n'.repeat(65) }, 'new_name must be a non-empty string of at most 64 characters'],
      [{ event: 'SET_NAME', new_name: 'server' }, 'the name "server" is reserved'],
      [{ event: 'SAY', message: 'too early' }, 'join the room first (SET_NAME)'],
      [{ event: 'SAY', message: { nested: true } }, 'message must be a string'],
      [{ event: 'LEAVE' }, 'not in the room'],
      [{ event: '__proto__' }, 'unknown event "__proto__"'],
    ];
    for (const [input] of cases) client.send(input);
    client.ws.send(new Uint8Array([1, 2, 3]));
    const answers = await client.take(cases.length + 1);
    assert.deepEqual(answers, [...cases.map(([, message]) => ({ event: 'ERROR', message })),
      { event: 'ERROR', message: 'messages must be JSON text, not binary' }]);
    // Still a member in good standing.
    client.send({ event: 'SET_NAME', new_name: 'finally' });
    assert.deepEqual(await client.take(), [chat('server', 'finally joined the chat')]);
    assert.equal(client.ws.readyState, 1);
  });

  it('refuses a message over maxPayload with 1009 and keeps serving the others', async (t) => {
    const { url } = await server(t, { maxPayload: 1024 });
    const other = await chatClient(url);
    other.send({ event: 'SET_NAME', new_name: 'other' });
    await other.take();
    const big = await chatClient(url);
    big.send({ event: 'SET_NAME', new_name: 'big' });
    await big.take();
    await other.take();
    big.send({ event: 'SAY', message: 'x'.repeat(100_000) });
    assert.equal(await big.closed(), 1009);
    // Its departure is announced, and the room goes on.
    assert.deepEqual(await other.take(), [chat('server', 'big left the chat')]);
    other.send({ event: 'SAY', message: 'still here' });
    assert.deepEqual(await other.take(), [chat('other', 'still here')]);
  });

  it('survives abrupt disconnects: terminate(), a socket dropped mid-frame, a socket dropped mid-handshake', async (t) => {
    const { url, port } = await server(t);
    const stayer = await chatClient(url);
    stayer.send({ event: 'SET_NAME', new_name: 'stayer' });
    await stayer.take();
    const quitter = await chatClient(url);
    quitter.send({ event: 'SET_NAME', new_name: 'quitter' });
    await stayer.take();
    quitter.ws.terminate();
    assert.deepEqual(await stayer.take(), [chat('server', 'quitter left the chat')]);

    // A raw client: a complete handshake, then half a frame, then gone.
    const raw = connect(port, '127.0.0.1');
    await once(raw, 'connect');
    raw.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    await once(raw, 'data');
    raw.end(Buffer.from([0x81, 0xfe, 0x01])); // a masked text frame header, cut short
    await once(raw, 'close');
    // Half a request head, then gone.
    const half = connect(port, '127.0.0.1');
    await once(half, 'connect');
    half.end('GET /ws HTTP/1.1\r\nHost: ');
    await once(half, 'close');

    stayer.send({ event: 'SAY', message: 'unbothered' });
    assert.deepEqual(await stayer.take(), [chat('stayer', 'unbothered')]);
  });
});

/** A port in 20000–32767 (below Linux's default ephemeral range) that can be listened on right now. */
async function freePortBelowEphemeralRange(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    const probe = createServer();
    const free = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => probe.close(resolve));
      return port;
    }
  }
  throw new Error('no free port found in 20000-32767 after 50 attempts');
}

describe('chat server: command line', { timeout: 20_000 }, () => {
  it('listens on an ephemeral port by default, pins one with --port, and exits 0 on SIGTERM', async () => {
    const start = async (args: string[]) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'examples/chat-server.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      // Resolve on the very chunk that says "listening on" (no polling delay), so the
      // SIGTERM below lands as early as a supervisor's would: a server that prints
      // before installing its handlers dies of the signal instead of exiting 0.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        const done = () => { clearTimeout(timer); resolve(); };
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('listening on')) done();
        });
        child.once('exit', done);
      });
      return { child, out: () => out };
    };
    const first = await start([]);
    const url = /listening on (ws:\/\/127\.0\.0\.1:(\d+)\/ws)/.exec(first.out());
    assert.ok(url !== null, first.out());
    const client = await chatClient(url[1]!);
    client.send({ event: 'SET_NAME', new_name: 'cli' });
    assert.deepEqual(await client.take(), [chat('server', 'cli joined the chat')]);
    first.child.kill('SIGTERM');
    const [code, signal] = await once(first.child, 'exit') as [number | null, NodeJS.Signals | null];
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, 'SIGTERM is handled: the server closes and exits 0');
    assert.equal(await client.closed(), 1001);

    // --port: a port the kernel never hands out as an ephemeral one, so no
    // connection another test opens meanwhile can be sitting on it.
    const pinned = await freePortBelowEphemeralRange();
    const second = await start(['--port', String(pinned)]);
    assert.match(second.out(), new RegExp(`listening on ws://127\\.0\\.0\\.1:${pinned}/ws`));
    second.child.kill('SIGTERM');
    const [code2, signal2] = await once(second.child, 'exit') as [number | null, NodeJS.Signals | null];
    assert.deepEqual({ code: code2, signal: signal2 }, { code: 0, signal: null });

    const bad = spawn(process.execPath, ['--import', 'tsx', 'examples/chat-server.ts', '--port', 'x'], { cwd: ROOT, stdio: 'ignore' });
    assert.equal((await once(bad, 'exit') as [number | null])[0], 2);
  });
});
