/**
 * The three clients of the echo part behind one small interface: rfc6455's
 * WebSocket, ws's WebSocket (default options: bufferutil loaded, and it
 * offers permessage-deflate, which the servers decline unless `--deflate`)
 * and undici's WHATWG WebSocket. Each receives binary as its cheapest type
 * (Buffer for rfc6455 and ws, ArrayBuffer for undici), so no client pays for
 * a Blob.
 */
import { WebSocket as UndiciWebSocket } from 'undici';
import { WebSocket as WsWebSocket } from 'ws';
import { api } from '../lib.js';

export type ClientImpl = 'rfc6455' | 'ws' | 'undici';
export const CLIENT_IMPLS: readonly ClientImpl[] = ['rfc6455', 'ws', 'undici'];

export function isClientImpl(value: string): value is ClientImpl {
  return (CLIENT_IMPLS as readonly string[]).includes(value);
}

export interface EchoClient {
  send(data: Buffer | string): void;
  /** Called once per message received. */
  onMessage: () => void;
  /** The negotiated Sec-WebSocket-Extensions (empty when none). */
  readonly extensions: string;
  close(): void;
}

const { WebSocket } = api;
type RfcClientOptions = ConstructorParameters<typeof WebSocket>[2];

const CONNECT_TIMEOUT_MS = 10_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not open within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The part of every client's socket the echo part uses. */
interface ClientSocket {
  send(data: Buffer | string): void;
  readonly extensions: string;
  close(): void;
}

/** Wrap an opened-or-opening socket; the caller routes its message events to `onMessage`. */
function echoClient(ws: ClientSocket): EchoClient {
  return {
    send: (data) => ws.send(data),
    onMessage: () => {},
    get extensions() { return ws.extensions; },
    close: () => ws.close(),
  };
}

export function connect(impl: ClientImpl, url: string, deflate: boolean): Promise<EchoClient> {
  return withTimeout(new Promise<EchoClient>((resolve, reject) => {
    if (impl === 'rfc6455') {
      const options: Record<string, unknown> = deflate ? { perMessageDeflate: true } : {};
      const ws = new WebSocket(url, [], options as RfcClientOptions);
      ws.binaryType = 'nodebuffer';
      const client = echoClient(ws);
      ws.onmessage = () => client.onMessage();
      ws.onerror = (event) => reject(event.error ?? new Error('rfc6455 client error'));
      ws.onopen = () => resolve(client);
    } else if (impl === 'ws') {
      const ws = new WsWebSocket(url);
      const client = echoClient(ws);
      ws.on('message', () => client.onMessage());
      ws.on('error', reject);
      ws.on('open', () => resolve(client));
    } else {
      const ws = new UndiciWebSocket(url);
      ws.binaryType = 'arraybuffer';
      const client = echoClient(ws);
      ws.onmessage = () => client.onMessage();
      ws.onerror = () => reject(new Error('undici client error'));
      ws.onopen = () => resolve(client);
    }
  }), `${impl} client`);
}
