/**
 * A raw WebSocket peer over plain TCP, for tests that must control every
 * byte: a client that performs the opening handshake by hand and then writes
 * whatever the test wants, and helpers to read what the other side sent.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { computeAcceptKey } from '../../src/handshake/accept-key.js';
import { HttpHeadReader, type RequestHead, type ResponseHead } from '../../src/handshake/http-head.js';

export const TEST_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** An opening handshake request (RFC 6455 §4.1) as a string. */
export function upgradeRequest(options: { path?: string; host?: string; key?: string; extensions?: string; headers?: Record<string, string> } = {}): string {
  let text = `GET ${options.path ?? '/'} HTTP/1.1\r\nHost: ${options.host ?? '127.0.0.1'}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${options.key ?? TEST_KEY}\r\nSec-WebSocket-Version: 13\r\n`;
  if (options.extensions !== undefined) text += `Sec-WebSocket-Extensions: ${options.extensions}\r\n`;
  for (const [name, value] of Object.entries(options.headers ?? {})) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

/** A 101 response for `key`, with an optional extensions answer. */
export function acceptResponse(key: string, extensions?: string): string {
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n` +
    `${extensions !== undefined ? `Sec-WebSocket-Extensions: ${extensions}\r\n` : ''}\r\n`;
}

/** Everything a socket receives, and a promise for its close. */
export class Recorder {
  readonly chunks: Buffer[] = [];
  readonly closed: Promise<void>;
  ended = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    socket.on('end', () => (this.ended = true));
    socket.on('error', () => {});
    // Not events.once: it would reject on the socket's errors (EPIPE, ECONNRESET), which are expected here.
    this.closed = socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Read one HTTP head from the bytes a Recorder has and will receive. */
export async function readHead<K extends 'request' | 'response'>(
  recorder: Recorder, kind: K, timeoutMs = 5000,
): Promise<{ head: K extends 'request' ? RequestHead : ResponseHead; rest: Buffer; headBytes: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const bytes = recorder.bytes;
    const reader = new HttpHeadReader<RequestHead | ResponseHead>(kind);
    const result = bytes.length > 0 ? reader.push(bytes) : null;
    if (result !== null) return { head: result.head as never, rest: result.rest, headBytes: bytes.length - result.rest.length };
    if (recorder.socket.destroyed || Date.now() > deadline) throw new Error(`no complete ${kind} head (${bytes.length} bytes received)`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Connect to 127.0.0.1:`port` (or `host`) and record what comes back. */
export async function connectRaw(port: number, host = '127.0.0.1', options: { allowHalfOpen?: boolean } = {}): Promise<Recorder> {
  const socket = connect({ port, host, allowHalfOpen: options.allowHalfOpen ?? true });
  const recorder = new Recorder(socket);
  await once(socket, 'connect');
  socket.setNoDelay(true);
  return recorder;
}

/** Connect, send an upgrade request, and wait for the 101 head; returns the recorder and where frames start. */
export async function rawWebSocket(port: number, options: Parameters<typeof upgradeRequest>[0] = {}): Promise<{ recorder: Recorder; response: ResponseHead; headBytes: number }> {
  const recorder = await connectRaw(port);
  recorder.socket.write(upgradeRequest(options));
  const { head, headBytes } = await readHead(recorder, 'response');
  if (head.status !== 101) throw new Error(`expected 101, got ${head.status}`);
  return { recorder, response: head, headBytes };
}

/** Write `chunks` in order, yielding to the event loop between some of them (varying the reads the peer sees). */
export async function writeChunks(socket: Socket, chunks: readonly Buffer[], random: () => number): Promise<void> {
  for (const chunk of chunks) {
    if (socket.destroyed || !socket.writable) return;
    if (!socket.write(chunk) && !socket.destroyed) {
      await Promise.race([once(socket, 'drain'), once(socket, 'close')]).catch(() => undefined);
    } else if (random() < 0.3) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
