/**
 * conns part, client process: opens N idle WebSocket connections with a
 * minimal raw-TCP handshake (conns/raw-handshake.ts), `concurrency` at a
 * time, spread round-robin over source addresses 127.0.0.1 … 127.0.0.K (one
 * source address has ~28k ephemeral ports, and earlier samples' sockets may
 * still hold some), and holds them until told to close.
 *
 * Why raw sockets and not the real clients: the figure is the *server's*
 * memory per connection and its handshake rate, so the client side must be
 * cheap (10k library clients would need far more memory and CPU than the
 * server under test) and byte-for-byte identical for both servers.
 *
 * Requests: `open` {port, n, concurrency, addresses, deflate, timeoutMs} →
 * {opened, failed, ms, negotiated, firstError}; `close` → destroys every
 * held socket, waits (bounded) until each has closed, and reports the
 * process's open fds, so a leak would show.
 *
 *   (started by bench/conns.ts) conns/client.ts
 */
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { serve } from '../ipc-child.js';
import { jsonLike } from '../payloads.js';
import { completeFrameLength, handshakeRequest, parseResponseHead, textFrame } from './raw-handshake.js';

const HANDSHAKE_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 10_000;
const held: Socket[] = [];
const ignore = () => {};

/** This process's open file descriptors (Linux), or -1 where /proc is missing. */
function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

interface OpenRequest { port: number; n: number; concurrency: number; addresses: number; deflate: boolean; timeoutMs: number }

/** One connection: handshake (and with deflate, one compressed message echoed back), then idle. */
function openOne(port: number, localAddress: string, request: Buffer, message: Buffer | null): Promise<{ socket: Socket; extensions: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    let data: Buffer = Buffer.alloc(0);
    let extensions: string | null = null;
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error('handshake timeout')), HANDSHAKE_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.removeAllListeners('error');
      socket.on('data', ignore); // keep reading: nothing may pile up in the kernel
      socket.on('error', ignore);
      resolve({ socket, extensions: extensions ?? '' });
    };
    socket.once('connect', () => socket.write(request));
    socket.on('error', fail);
    socket.on('data', (chunk: Buffer) => {
      data = data.length === 0 ? chunk : Buffer.concat([data, chunk]);
      if (extensions === null) {
        const head = parseResponseHead(data);
        if (head === null) return;
        if (head.status !== 101) return fail(new Error(`status ${head.status}`));
        extensions = head.extensions;
        data = head.rest;
        if (message === null) return done();
        socket.write(/permessage-deflate/.test(extensions) ? message : textFrame(jsonLike(256), false));
      }
      if (completeFrameLength(data) > 0) done();
    });
  });
}

async function open(request: OpenRequest): Promise<Record<string, unknown>> {
  const head = handshakeRequest(request.port, request.deflate);
  const message = request.deflate ? textFrame(jsonLike(256), true) : null;
  const deadline = Date.now() + request.timeoutMs;
  let next = 0;
  let opened = 0;
  let failed = 0;
  let negotiated = 0;
  let firstError = '';
  const start = performance.now();
  const worker = async () => {
    while (next < request.n && Date.now() < deadline) {
      const i = next++;
      try {
        const { socket, extensions } = await openOne(request.port, `127.0.0.${1 + (i % request.addresses)}`, head, message);
        held.push(socket);
        opened++;
        if (/permessage-deflate/.test(extensions)) negotiated++;
      } catch (error) {
        failed++;
        firstError ||= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(request.concurrency, request.n) }, worker));
  return { opened, failed, negotiated, firstError, ms: performance.now() - start };
}

serve({}, async (message) => {
  if (message['type'] === 'open') return open(message as unknown as OpenRequest);
  if (message['type'] === 'close') {
    const sockets = held.splice(0);
    const closed = sockets.map((socket) => (socket.closed ? null : new Promise((resolve) => socket.once('close', resolve))));
    for (const socket of sockets) socket.destroy();
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS))]);
    return { closed: sockets.length, openFds: openFds() };
  }
  throw new Error(`unknown request ${String(message['type'])}`);
});
