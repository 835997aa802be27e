/**
 * Peers for the conformance tester's tests, all on 127.0.0.1 port 0:
 *
 * - ws echo servers (correct, or configured to be wrong: no UTF-8 validation,
 *   no automatic pongs);
 * - a raw echo server built on the library's FrameParser, which validates
 *   UTF-8 as it arrives (a fail-fast reference peer), with switches that
 *   break it on purpose (accept RSV bits, answer closes with a wrong code);
 * - scripted servers that misbehave at the TCP or handshake level;
 * - a ws-based client driver for the Autobahn driver protocol.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { WebSocket, WebSocketServer, type ClientOptions, type ServerOptions } from 'ws';
import { CloseCode } from '../../../src/frame/close-code.js';
import { Opcode } from '../../../src/frame/opcode.js';
import { FrameParser } from '../../../src/frame/parser.js';
import { encodeClosePayload, encodeFrame } from '../../../src/frame/serializer.js';
import { computeAcceptKey } from '../../../src/handshake/accept-key.js';
import { HttpHeadReader, type RequestHead } from '../../../src/handshake/http-head.js';

/** A server under test. */
export interface Peer {
  readonly url: string;
  close(): Promise<void>;
}

/** A ws echo server: text echoed as text, binary as binary. `configure` may add listeners before it listens. */
export async function startWsEchoServer(options: ServerOptions = {}, configure?: (wss: WebSocketServer) => void): Promise<Peer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  configure?.(wss);
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    ws.on('error', () => undefined);
  });
  await once(wss, 'listening');
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close(() => resolve());
    }),
  };
}

/** Listen on a port-0 TCP server that tracks (and on close destroys) its sockets. */
export async function startTcpServer(onSocket: (socket: Socket) => void): Promise<Peer & { server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    server,
    url: `ws://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Complete a server handshake on `socket` by hand; resolves with the bytes after the request. */
export function acceptHandshake(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const reader = new HttpHeadReader<RequestHead>('request');
    const onData = (chunk: Buffer): void => {
      try {
        const result = reader.push(chunk);
        if (result === null) return;
        socket.removeListener('data', onData);
        socket.pause();
        const key = result.head.headers['sec-websocket-key'] ?? '';
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n\r\n`);
        resolve(result.rest);
      } catch (error) {
        reject(error as Error);
      }
    };
    socket.on('data', onData);
  });
}

/** A server that upgrades and then hands the socket to `after` (to misbehave in some way). */
export function startScriptedServer(after: (socket: Socket, rest: Buffer) => void): Promise<Peer> {
  return startTcpServer((socket) => {
    acceptHandshake(socket).then((rest) => after(socket, rest), () => socket.destroy());
  });
}

/** Switches that make the raw echo server deliberately wrong. */
export interface RawServerFaults {
  /** Clear RSV bits of incoming frames before parsing, i.e. accept frames with RSV bits set. */
  readonly acceptRsv?: boolean;
  /** Answer every close frame with this code instead of echoing the peer's. */
  readonly closeReplyCode?: number;
}

/**
 * Clears the RSV bits of every frame header in a client-to-server byte stream
 * (masked frames), passing everything else through; keeps state across chunks.
 */
function rsvClearer(): (chunk: Buffer) => Buffer {
  let need = 2; // header bytes still to read before the payload length is known
  const header: number[] = [];
  let skip = 0; // payload bytes still to pass through
  return (chunk) => {
    const out = Buffer.from(chunk);
    for (let i = 0; i < out.length; i++) {
      if (skip > 0) {
        const n = Math.min(skip, out.length - i);
        skip -= n;
        i += n - 1;
        continue;
      }
      if (header.length === 0) out[i] = out[i]! & 0x8f;
      header.push(out[i]!);
      if (header.length === 2) {
        const length = header[1]! & 0x7f;
        need = 2 + (length === 126 ? 2 : length === 127 ? 8 : 0) + ((header[1]! & 0x80) !== 0 ? 4 : 0);
      }
      if (header.length === need) {
        const length = header[1]! & 0x7f;
        skip = length === 126 ? (header[2]! << 8) | header[3]! : length === 127 ? Number(Buffer.from(header.slice(2, 10)).readBigUInt64BE()) : length;
        header.length = 0;
        need = 2;
      }
    }
    return out;
  };
}

/**
 * An echo server on the library's frame layer: it fails the connection on the
 * first protocol error (FrameParser validates UTF-8 as bytes arrive, so it is
 * strict on the fail-fast cases 6.4.x), answers pings, echoes close codes and
 * closes TCP right after the closing handshake.
 */
export function startRawEchoServer(faults: RawServerFaults = {}): Promise<Peer> {
  return startScriptedServer((socket, rest) => {
    const clear = faults.acceptRsv === true ? rsvClearer() : (chunk: Buffer) => chunk;
    let closing = false;
    socket.setNoDelay(true);
    const send = (chunks: Buffer[]): void => {
      if (socket.destroyed) return;
      socket.cork();
      for (const chunk of chunks) socket.write(chunk);
      socket.uncork();
    };
    const closeWith = (code: number): void => {
      if (closing) return;
      closing = true;
      send(encodeFrame(Opcode.Close, encodeClosePayload(code)));
      socket.end();
    };
    const parser = new FrameParser({ role: 'server' }, {
      onMessage: (data, isBinary) => send(encodeFrame(isBinary ? Opcode.Binary : Opcode.Text, Buffer.from(data))),
      onPing: (payload) => send(encodeFrame(Opcode.Pong, Buffer.from(payload))),
      onPong: () => undefined,
      onClose: (code) => closeWith(faults.closeReplyCode ?? (code === CloseCode.NoStatusReceived ? CloseCode.NoStatusReceived : code)),
      onError: (error) => closeWith(error.closeCode),
    });
    socket.on('data', (chunk: Buffer) => parser.push(clear(chunk)));
    socket.resume();
    if (rest.length > 0) parser.push(clear(rest));
  });
}

/**
 * The client side of Autobahn's driver protocol, with ws's WebSocket: ask for
 * the case count, run every case echoing each message, then ask for reports.
 * No permessage-deflate unless `options` ask for it.
 */
export async function runWsDriver(baseUrl: string, agent: string, options: ClientOptions = {}): Promise<number> {
  const open = (path: string): WebSocket => new WebSocket(`${baseUrl}${path}`, { perMessageDeflate: false, ...options });
  const count = await new Promise<number>((resolve, reject) => {
    const ws = open('/getCaseCount');
    ws.on('message', (data) => resolve(Number(String(data))));
    ws.on('error', reject);
  });
  for (let i = 1; i <= count; i++) {
    await new Promise<void>((resolve) => {
      const ws = open(`/runCase?case=${i}&agent=${encodeURIComponent(agent)}`);
      ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
      ws.on('error', () => undefined);
      ws.on('close', () => resolve());
    });
  }
  await new Promise<void>((resolve) => {
    const ws = open(`/updateReports?agent=${encodeURIComponent(agent)}`);
    ws.on('error', () => resolve());
    ws.on('close', () => resolve());
  });
  return count;
}
