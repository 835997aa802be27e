/**
 * `k6/websockets` for scripts run by `rfc6455 run`: rfc6455's WebSocket,
 * measured. Each instance reports to its VU (see ../vu-context.ts):
 *
 * - `ws_sessions`: +1 per WebSocket constructed (a constructor that throws
 *   starts no session);
 * - `ws_connecting`: from the constructor call to the `open` event, in ms;
 * - `ws_session_duration`: from the constructor call to the `close` event;
 * - `ws_msgs_sent`: +1 per `send()` made while OPEN (what the connection
 *   accepted; sends after close() started are not sent, so not counted);
 * - `ws_msgs_received`: +1 per `message` event;
 * - `ws_ping`: round trip from `ping(data)` to the `pong` carrying the same
 *   payload (pongs nobody asked for, such as answers to the library's own
 *   heartbeat pings, are not samples);
 * - the socket is handed to the VU's byte ledger for `data_sent`/`data_received`.
 *
 * The measuring listeners are registered in the constructor, so they run
 * before any the script adds. An open WebSocket keeps its VU's iteration alive
 * until `close` fires.
 */
import { internalConnection } from '../../../api/websocket.js';
import { CloseCode } from '../../../frame/close-code.js';
import { WebSocket as BaseWebSocket, type SendData, type WebSocketOptions } from '../../../index.js';
import { type TrackedSocket, vuContext } from '../vu-context.js';

export class WebSocket extends BaseWebSocket implements TrackedSocket {
  readonly #pings: { readonly payload: Buffer; readonly sentAt: number }[] = [];

  constructor(url: string | URL, protocols?: string | readonly string[], options?: WebSocketOptions) {
    const startedAt = performance.now();
    super(url, protocols, options);
    const context = vuContext();
    context.metrics.add('ws_sessions');
    context.sockets.add(this);
    this.addEventListener('open', () => {
      context.metrics.sample('ws_connecting', performance.now() - startedAt);
      const transport = internalConnection(this).transport;
      if (transport !== null) context.ledger.track(transport);
    });
    this.addEventListener('message', () => context.metrics.add('ws_msgs_received'));
    this.addEventListener('pong', (event) => {
      const payload = (event as MessageEvent).data as Buffer;
      const index = this.#pings.findIndex((ping) => ping.payload.equals(payload));
      if (index < 0) return;
      context.metrics.sample('ws_ping', performance.now() - this.#pings[index]!.sentAt);
      this.#pings.splice(index, 1);
    });
    this.addEventListener('close', () => {
      context.metrics.sample('ws_session_duration', performance.now() - startedAt);
      context.sockets.delete(this);
      context.onActivity();
    });
  }

  override send(data: SendData): void {
    const open = this.readyState === BaseWebSocket.OPEN;
    super.send(data);
    if (open) vuContext().metrics.add('ws_msgs_sent');
  }

  override ping(data?: string | ArrayBufferLike | ArrayBufferView): void {
    const open = this.readyState === BaseWebSocket.OPEN;
    super.ping(data);
    if (open) this.#pings.push({ payload: pingPayload(data), sentAt: performance.now() });
  }

  /** Wind down for a graceful stop: close with 1001 (Going Away), or abort the opening handshake. */
  goAway(reason: string): void {
    if (this.readyState === BaseWebSocket.CONNECTING) this.close();
    else if (this.readyState === BaseWebSocket.OPEN) internalConnection(this).close(CloseCode.GoingAway, reason);
  }
}

/** A copy of the bytes ping() sends for `data`, to recognise its pong. */
function pingPayload(data: string | ArrayBufferLike | ArrayBufferView | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return Buffer.from(new Uint8Array(data));
}

/** k6/websockets also exports Blob (for `binaryType = 'blob'` messages). */
export const Blob = globalThis.Blob;
