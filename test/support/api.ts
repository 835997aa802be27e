/**
 * Helpers for src/api tests: servers on loopback port 0 that clean up after
 * the test, event recorders, and a raw server that completes the handshake by
 * hand and then lets the test speak (or misspeak) frames directly.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { computeAcceptKey } from '../../src/handshake/accept-key.js';
import { HttpHeadReader, type RequestHead } from '../../src/handshake/http-head.js';
import { WebSocket, WebSocketServer, type WebSocketServerOptions } from '../../src/index.js';

/** Start a WebSocketServer on 127.0.0.1:0; it is closed when the test ends. */
export async function startServer(t: TestContext, options: WebSocketServerOptions = {}) {
  const wss = new WebSocketServer({ port: 0, ...options });
  const address = await wss.listen();
  t.after(() => wss.close());
  return { wss, port: address.port, url: `ws://127.0.0.1:${address.port}` };
}

/** An echo server: text as text, binary as binary. */
export async function startEchoServer(t: TestContext, options: WebSocketServerOptions = {}) {
  const server = await startServer(t, options);
  server.wss.on('connection', (ws) => {
    ws.binaryType = 'nodebuffer';
    ws.addEventListener('message', (event) => ws.send((event as MessageEvent).data));
  });
  return server;
}

/** Record every event a WebSocket fires, as compact strings, in order. */
export function recordEvents(ws: WebSocket, types = ['open', 'message', 'error', 'close', 'ping', 'pong']): string[] {
  const log: string[] = [];
  for (const type of types) {
    ws.addEventListener(type, (event) => {
      if (event instanceof MessageEvent) log.push(`${type}:${describe(event.data)}`);
      else if (type === 'close') {
        const close = event as unknown as { code: number; reason: string; wasClean: boolean };
        log.push(`close:${close.code}:${close.reason}:${close.wasClean}`);
      } else log.push(type);
    });
  }
  return log;
}

function describe(data: unknown): string {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return `buffer(${data.toString('hex')})`;
  if (data instanceof ArrayBuffer) return `arraybuffer(${Buffer.from(data).toString('hex')})`;
  if (data instanceof Blob) return `blob(${data.size})`;
  return String(data);
}

/** Resolve with the next event of `type` (rejects after `ms`). */
export function nextEvent<E extends Event = Event>(target: EventTarget, type: string, ms = 5000): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event within ${ms} ms`)), ms);
    target.addEventListener(type, (event) => {
      clearTimeout(timer);
      resolve(event as E);
    }, { once: true });
  });
}

/** A client that resolves once open. */
export async function openClient(url: string, protocols?: string | string[]): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols);
  await nextEvent(ws, 'open');
  return ws;
}

/**
 * A server that answers the opening handshake by hand (101 with the right
 * accept key) and hands the raw socket to `onSocket`, for tests that need a
 * misbehaving or silent peer.
 */
export async function startRawServer(t: TestContext, onSocket: (socket: Socket, request: RequestHead) => void, response?: (key: string) => string) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const reader = new HttpHeadReader<RequestHead>('request');
    const onData = (chunk: Buffer) => {
      const result = reader.push(chunk);
      if (result === null) return;
      socket.off('data', onData);
      const key = result.head.headers['sec-websocket-key'] ?? '';
      socket.write(response?.(key) ?? `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n\r\n`);
      onSocket(socket, result.head);
      if (result.rest.length > 0) socket.emit('data', result.rest);
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { server, port: address.port, url: `ws://127.0.0.1:${address.port}` };
}
