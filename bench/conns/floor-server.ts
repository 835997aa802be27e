/**
 * The floor of the conns part: what a WebSocket server costs per idle
 * connection when it keeps nothing but Node's own socket. A `node:net`
 * server reads the opening handshake, answers 101 with the RFC 6455 §4.2.2
 * accept value, and from then on holds the `net.Socket` in a Set (every
 * real server tracks its connections, to close them) with one 'data' and
 * one 'close' listener — no parser, no state machine, no EventTarget.
 *
 * Neither library can cost less than this with `node:net`, so the conns
 * table shows how much of each library's figure is Node's socket and how
 * much is the library's own. It is a reference row, never a target subject.
 */
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import type { RunningServer } from '../servers.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'; // RFC 6455 §1.3
const MAX_HEAD = 16 * 1024;

export async function startFloorServer(): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    let head = '';
    const onHead = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) socket.destroy();
        return;
      }
      socket.off('data', onHead);
      const key = /^sec-websocket-key:[ \t]*(\S+)/im.exec(head.slice(0, end))?.[1];
      if (key === undefined) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        return;
      }
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      sockets.add(socket);
      socket.on('data', () => {}); // idle connections: whatever arrives is dropped
      socket.once('close', () => sockets.delete(socket));
    };
    socket.on('data', onHead);
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    connections: () => sockets.size,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
