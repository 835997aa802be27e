/**
 * Test transports for src/socket: an in-memory Duplex pair (deterministic,
 * with counters for write batching) and a real loopback TCP socket pair.
 */
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** One end of an in-memory pair, with counts of what was written through it. */
export class MemoryEnd extends Duplex {
  peer: MemoryEnd | null = null;
  /** Calls of the underlying write (one per syscall in a real socket). */
  writeCalls = 0;
  /** Bytes written. */
  bytesWritten = 0;

  constructor() {
    super({ allowHalfOpen: false });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeCalls++;
    this.bytesWritten += chunk.length;
    this.peer?.push(chunk);
    callback();
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.writeCalls++;
    const all = Buffer.concat(chunks.map((c) => c.chunk));
    this.bytesWritten += all.length;
    this.peer?.push(all);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.push(null); // FIN
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Like a TCP reset seen from the other side: its input ends.
    const peer = this.peer;
    this.peer = null;
    if (peer !== null && !peer.readableEnded) peer.push(null);
    callback(error);
  }
}

/** Two connected in-memory ends. */
export function memoryPair(): [MemoryEnd, MemoryEnd] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** A real TCP connection over loopback: [client side, server side]. */
export async function tcpPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  const client = connect(address.port, '127.0.0.1');
  const [serverSide] = (await once(server, 'connection')) as [Socket];
  await once(client, 'connect');
  server.close();
  return [client, serverSide];
}

/** Resolve after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
