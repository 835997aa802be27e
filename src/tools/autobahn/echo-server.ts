/**
 * An echo server for Autobahn|Testsuite's `wstest -m fuzzingclient` (or for
 * `rfc6455 conformance server`): every text message comes back as text,
 * every binary message as binary.
 *
 *   npm run autobahn:echo -- [--port 9001] [--host 127.0.0.1] [--deflate]
 *
 * Runs until interrupted (SIGINT/SIGTERM), then closes every connection with
 * 1001. `startEchoServer()` is the same server as a library call.
 */
import { WebSocketServer, type WebSocketServerOptions } from '../../index.js';
import { isEntryPoint } from '../entry-point.js';
import { parseDriverArgs } from './args.js';

export interface EchoServerOptions {
  readonly port?: number;
  readonly host?: string;
  /** Offer permessage-deflate (RFC 7692) to clients that ask for it. */
  readonly deflate?: boolean;
}

/** Start the echo server; resolves once it listens. */
export async function startEchoServer(options: EchoServerOptions = {}): Promise<WebSocketServer> {
  const serverOptions: WebSocketServerOptions = {
    port: options.port ?? 9001,
    host: options.host ?? '127.0.0.1',
    ...(options.deflate === true ? { perMessageDeflate: true } : {}),
  };
  const wss = new WebSocketServer(serverOptions);
  wss.on('connection', (ws) => {
    ws.binaryType = 'nodebuffer';
    ws.addEventListener('message', (event) => ws.send((event as MessageEvent).data as string | Buffer));
  });
  await wss.listen();
  return wss;
}

async function main(argv: readonly string[]): Promise<void> {
  const { options } = parseDriverArgs(argv, ['port', 'host'], ['deflate']);
  const port = Number(options.get('port') ?? 9001);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${String(options.get('port'))}`);
  const host = typeof options.get('host') === 'string' ? options.get('host') as string : '127.0.0.1';
  const wss = await startEchoServer({ port, host, deflate: options.get('deflate') === true });
  const address = wss.address()!;
  const stop = () => void wss.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Printed after the handlers exist, so a signal sent on reading it is handled.
  console.log(`rfc6455 echo server listening on ws://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}${options.get('deflate') === true ? ' (permessage-deflate offered)' : ''}`);
}

if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`autobahn:echo: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  });
}
