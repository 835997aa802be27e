/**
 * Shared helpers of the handshake tests: loopback servers closed after each
 * test, a raw TCP client that records what the server answered, and error
 * predicates for assert.throws / assert.rejects.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type * as http from 'node:http';
import * as net from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { HandshakeError, type HandshakeErrorCode } from '../../src/handshake/errors.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'tls');
/** The self-signed test certificate (CN=localhost, SAN localhost, 127.0.0.1, ::1). */
export const TLS_CERT = readFileSync(join(fixtures, 'cert.pem'));
export const TLS_KEY = readFileSync(join(fixtures, 'key.pem'));

/** A predicate for a HandshakeError with `code` (and `status` when given). */
export function handshakeError(code: HandshakeErrorCode, status?: number) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof HandshakeError, `expected a HandshakeError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (status !== undefined) assert.equal(error.status, status, `status of ${code}`);
    return true;
  };
}

/** A predicate for a DOMException named SyntaxError. */
export function syntaxError(error: unknown): boolean {
  assert.ok(error instanceof DOMException, `expected a DOMException, got ${String(error)}`);
  assert.equal(error.name, 'SyntaxError');
  return true;
}

type Closable = net.Server | http.Server;

/**
 * Listen on 127.0.0.1, port 0 (or the Unix socket `path`), and close the
 * server — and every connection it still has — after the test.
 */
export async function listen(t: TestContext, server: Closable, path?: string): Promise<number> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  server.on('connection', track);
  server.on('secureConnection', track);
  await new Promise<void>((resolve) => {
    if (path !== undefined) server.listen(path, resolve);
    else server.listen(0, '127.0.0.1', resolve);
  });
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** What a raw client saw: every byte the server sent, and whether it closed the connection. */
export interface RawExchange {
  readonly text: string;
  readonly bytes: Buffer;
  /** The server ended or reset the connection (as opposed to our timeout). */
  readonly closed: boolean;
  readonly elapsed: number;
}

/**
 * Connect to `port`, write `chunks` (a number is a pause in ms before the
 * next chunk; stops writing once the server closes), then wait until the
 * server closes the connection or `waitMs` passes.
 */
export function rawExchange(port: number, chunks: readonly (string | Buffer | number)[], waitMs = 2000): Promise<RawExchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let closed = false;
    let done = false;
    const finish = (byServer: boolean): void => {
      if (done) return;
      done = true;
      closed = byServer;
      clearTimeout(timer);
      socket.destroy();
      const bytes = Buffer.concat(received);
      resolve({ text: bytes.toString('latin1'), bytes, closed, elapsed: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (done || socket.destroyed || !socket.writable) return;
        if (typeof chunk === 'number') await new Promise((r) => setTimeout(r, chunk));
        else socket.write(chunk);
      }
    });
  });
}

/** A well-formed opening handshake request (the RFC 6455 §1.3 example's key). */
export function upgradeRequest(extra: Record<string, string> = {}, requestLine = 'GET /chat HTTP/1.1'): string {
  const fields: Record<string, string> = {
    Host: 'server.example.com',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...extra,
  };
  let text = `${requestLine}\r\n`;
  for (const [name, value] of Object.entries(fields)) if (value !== '') text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

/** Resolve when `socket` emits 'close' (immediately if it already has). */
export function closed(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
