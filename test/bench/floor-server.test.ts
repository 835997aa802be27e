/**
 * The conns floor (bench/conns/floor-server.ts) must be a real WebSocket
 * handshake and must count what it holds, or its row would compare the
 * libraries with something that is not a WebSocket server.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocket } from '../../src/api/index.js';
import { startFloorServer } from '../../bench/conns/floor-server.js';
import { eventually } from '../support/eventually.js';


describe('bench conns floor server', () => {
  it('answers a standard client (accept value checked by it), holds and counts the sockets, and forgets closed ones', async () => {
    const server = await startFloorServer();
    try {
      const clients = [0, 1, 2].map(() => new WebSocket(`ws://127.0.0.1:${server.port}/`));
      await Promise.all(clients.map((client) => once(client, 'open')));
      await eventually(() => server.connections() === 3, 2000, 'three connections held');
      clients[0]!.terminate();
      await eventually(() => server.connections() === 2, 2000, 'the terminated one forgotten');
      for (const client of clients.slice(1)) client.terminate();
      await eventually(() => server.connections() === 0, 2000, 'all forgotten');
    } finally {
      await server.close();
    }
  });

  it('refuses a request without Sec-WebSocket-Key with 400 and never counts it', async () => {
    const server = await startFloorServer();
    try {
      const socket = connect(server.port, '127.0.0.1');
      socket.end('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      let reply = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => { reply += chunk; });
      await once(socket, 'close');
      assert.match(reply, /^HTTP\/1\.1 400 /);
      assert.equal(server.connections(), 0);
    } finally {
      await server.close();
    }
  });
});
