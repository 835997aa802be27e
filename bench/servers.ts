/**
 * The two servers under comparison, started the same way for the echo and
 * conns parts: rfc6455's WebSocketServer and ws's WebSocketServer, each on
 * 127.0.0.1 with an ephemeral port and default options, except that
 * permessage-deflate is set explicitly on both (off, or on for `--deflate`),
 * so that a plain run stays uncompressed whatever the library defaults to.
 * Every server echoes each message back as it came (text as text, binary as
 * binary) and counts its open connections.
 *
 * rfc6455 receives `perMessageDeflate` through a loosely typed options object
 * until the library declares the option (issue 5); whether it was negotiated
 * is reported by the clients from the handshake response, never assumed.
 */
import { WebSocketServer as WsServer, type WebSocket as WsSocket } from 'ws';
import { api } from './lib.js';

export type ServerImpl = 'rfc6455' | 'ws';
export const SERVER_IMPLS: readonly ServerImpl[] = ['rfc6455', 'ws'];

export interface RunningServer {
  readonly port: number;
  /** Open connections right now. */
  connections(): number;
  close(): Promise<void>;
}

const { WebSocketServer } = api;
type RfcServerOptions = ConstructorParameters<typeof WebSocketServer>[0];

export async function startServer(impl: ServerImpl, deflate: boolean): Promise<RunningServer> {
  let open = 0;
  if (impl === 'rfc6455') {
    const options: Record<string, unknown> = { port: 0, host: '127.0.0.1', perMessageDeflate: deflate };
    const wss = new WebSocketServer(options as RfcServerOptions);
    wss.on('connection', (ws) => {
      open++;
      ws.binaryType = 'nodebuffer';
      // The received Buffer is never touched again, so it is echoed without
      // the call-time copy (ws never copies): { copy: false }.
      ws.onmessage = (event) => ws.send(event.data as Buffer | string, { copy: false });
      ws.onclose = () => open--;
    });
    const { port } = await wss.listen();
    return { port, connections: () => open, close: () => wss.close() };
  }
  const wss = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate: deflate });
  wss.on('connection', (ws: WsSocket) => {
    open++;
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('close', () => open--);
    ws.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const port = (wss.address() as { port: number }).port;
  return {
    port,
    connections: () => open,
    close: () => new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close(() => resolve());
    }),
  };
}

export function isServerImpl(value: string): value is ServerImpl {
  return value === 'rfc6455' || value === 'ws';
}
