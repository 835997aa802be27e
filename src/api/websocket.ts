/**
 * The WebSocket interface of the WHATWG WebSockets Standard
 * (https://websockets.spec.whatwg.org/), for Node.js, plus the extras k6's
 * `k6/websockets` documents (`ping()`, `ping`/`pong` events) and a few Node
 * extras (constructor options, `binaryType = 'nodebuffer'`, `pong()`,
 * `terminate()`, `bufferedamountlow`).
 *
 * This file is only the facade: it follows the spec's steps (numbered in the
 * comments) and talks to one {@link Connection}, which owns all framing,
 * closing-handshake and I/O logic. `readyState` is the connection's; nothing
 * is stored twice.
 *
 * Event dispatch policy. The spec queues one task per received message. Doing
 * that literally (a setImmediate per message) costs an order of magnitude in
 * throughput on small messages (`npm run bench:events` measures both), so
 * events are dispatched synchronously, in wire order, from the socket read
 * that completed them — the policy `ws` uses. The spec's observable
 * guarantees still hold: no event fires before the constructor returns (the
 * handshake is asynchronous), `open` fires before any `message`, `error`
 * fires before `close`, and nothing fires after `close`; a message that
 * arrives after `close()` was called is dropped, as the spec's "if readyState
 * is not OPEN, return" requires. What differs from a browser: microtasks
 * queued by a `message` listener run after all messages of the same read.
 * Exceptions thrown by listeners are reported by Node's EventTarget
 * (`process` 'uncaughtException'), never into the connection, and do not stop
 * other listeners.
 */
import { CloseCode } from '../frame/close-code.js';
import type { ClientTlsOptions } from '../handshake/client-connect.js';
import { connectClient } from '../handshake/client-connect.js';
import { buildClientRequest, validateProtocols } from '../handshake/client-request.js';
import { createClientKey } from '../handshake/accept-key.js';
import { HandshakeError } from '../handshake/errors.js';
import type { OutgoingHeaders } from '../handshake/fields.js';
import { parseExtensionHeader } from '../handshake/headers.js';
import { acceptDeflateAnswer, formatDeflateOffer, type PerMessageDeflateOptions, validateDeflateOptions } from '../handshake/permessage-deflate.js';
import type { NegotiatedDeflate } from '../socket/permessage-deflate.js';
import { parseWebSocketUrl } from '../handshake/url.js';
import { Connection, type CloseInfo, type ConnectionHandler, ConnectionState } from '../socket/connection.js';
import { ConnectionError } from '../socket/errors.js';
import type { ConnectionOptions } from '../socket/options.js';
import type { Duplex } from 'node:stream';
import { type BinaryType, binaryMessage, bytesOf, type SendData, toUsvString } from './binary.js';
import { EventHandlerAttributes } from './event-handlers.js';
import { pickDefined } from './pick-defined.js';
import { CloseEvent, ErrorEvent } from './events.js';

/** Node extras accepted as the WebSocket constructor's third argument. */
export interface WebSocketOptions extends ConnectionOptions {
  /** Extra request headers; they cannot replace the handshake's own (Upgrade, Connection, Sec-WebSocket-*). */
  readonly headers?: OutgoingHeaders;
  /** The `Origin` request header. Default: none (browsers always send one). */
  readonly origin?: string;
  /** TLS options for `wss:` (ca, cert, key, rejectUnauthorized, servername, ...). */
  readonly tls?: ClientTlsOptions;
  /** Milliseconds for the whole opening handshake. Default 30 000. */
  readonly handshakeTimeout?: number;
  /** Largest handshake response head, in bytes. Default 16 KiB. */
  readonly maxHeaderBytes?: number;
  /** Most response header fields. Default 100. */
  readonly maxHeaderCount?: number;
  /** Follow 301/302/303/307/308 redirects (the WHATWG API fails on them). Default false. */
  readonly followRedirects?: boolean;
  /** Most redirects followed. Default 10. */
  readonly maxRedirects?: number;
  /** Send URL credentials over unencrypted `ws:`. Default false: the connection fails instead. */
  readonly allowInsecureCredentials?: boolean;
  /**
   * When received events are dispatched (see the module comment):
   * `'sync'` (default) dispatches them from the socket read that completed
   * them; `'task'` queues one macrotask (setImmediate) per event, as the spec
   * words it, so microtasks run between two messages as in a browser — at a
   * measured cost in throughput (`npm run bench:events`).
   */
  readonly messageDispatch?: 'sync' | 'task';
  /**
   * Offer permessage-deflate (RFC 7692): `true` for the defaults, or the
   * parameters to offer and the local tuning (threshold, level, memLevel).
   * Default false.
   */
  readonly perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

/** Node extras of `send()`'s second argument. */
export interface SendOptions {
  /** With permessage-deflate: false sends this message uncompressed. Default true. */
  readonly compress?: boolean;
  /**
   * Binary data is copied at call time, as the standard requires, so the
   * caller may reuse its buffer at once. `false` skips that copy for large
   * buffers: the caller then promises not to modify the bytes until they are
   * sent (until `bufferedAmount` has dropped by their size). Default true.
   */
  readonly copy?: boolean;
}

/** What the server hands over to create an accepted connection. */
interface AcceptedInit {
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly url: string;
  readonly protocol: string;
  readonly extensions: string;
  readonly options: ConnectionOptions;
  readonly deflate: NegotiatedDeflate | undefined;
  /** Called once the close event has been dispatched (the server forgets the connection). */
  readonly onClosed: (ws: WebSocket) => void;
}

/** Set by {@link createAcceptedWebSocket} for the duration of one constructor call. */
let acceptedInit: AcceptedInit | undefined;

/** Reaches a WebSocket's private connection; assigned in the class's static block. */
let connectionOf: (ws: WebSocket) => Connection;

/** Turns the connection layer's calls into spec events; assigned in WebSocket's static block (private access). */
let deliver: {
  message(ws: WebSocket, data: Buffer, isBinary: boolean): void;
  control(ws: WebSocket, type: 'ping' | 'pong', payload: Buffer): void;
  error(ws: WebSocket, error: Error): void;
  close(ws: WebSocket, info: CloseInfo): void;
  event(ws: WebSocket, type: string): void;
};


const EMPTY = Buffer.alloc(0);

/** A send waiting behind a Blob that is still being read, to keep message order. */
type QueuedSend =
  | { readonly data: Buffer | string; readonly isBinary: boolean; readonly size: number; readonly compress: boolean }
  | { readonly blob: Blob; readonly size: number; readonly compress: boolean };

/** WebIDL `[Clamp] unsigned short` conversion. */
function clampUnsignedShort(value: unknown): number {
  const number = Number(value);
  if (Number.isNaN(number)) return 0;
  const clamped = Math.min(Math.max(number, 0), 65535);
  // Round half to even, as WebIDL's [Clamp] does.
  const floor = Math.floor(clamped);
  const fraction = clamped - floor;
  if (fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1)) return floor + 1;
  return floor;
}

export class WebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  static {
    connectionOf = (ws) => ws.#connection;
  }

  readonly #connection: Connection;
  readonly #url: string;
  #origin: string | null = null; // MessageEvent.origin, derived from the URL on first use
  #protocol = '';
  #extensions = '';
  #binaryType: BinaryType = 'blob';
  #handlers: EventHandlerAttributes | null = null; // created when an on<event> attribute is first set
  #abort: AbortController | null = null;
  readonly #sendQueue: QueuedSend[] = [];
  #queuedBytes = 0;
  #dispatchAsTask = false;
  #onClosed: ((ws: WebSocket) => void) | null = null;

  /**
   * Open a WebSocket connection to `url`, offering `protocols`.
   * @see https://websockets.spec.whatwg.org/#dom-websocket-websocket
   * @throws {DOMException} `SyntaxError` for an invalid URL (or one with a
   * fragment, or a scheme other than ws/wss/http/https/ws+unix) and for
   * duplicate or invalid protocols.
   * @throws {TypeError | RangeError} for invalid options (Node extras).
   */
  constructor(url: string | URL, protocols?: string | readonly string[], options: WebSocketOptions = {}) {
    super();
    const accepted = acceptedInit;
    acceptedInit = undefined;
    const handler = new WebSocketEvents(this);
    if (accepted !== undefined) {
      // A connection accepted by WebSocketServer: already open, server role.
      this.#url = accepted.url;
      this.#protocol = accepted.protocol;
      this.#extensions = accepted.extensions;
      this.#onClosed = accepted.onClosed;
      this.#connection = new Connection('server', accepted.options, handler);
      this.#connection.attach(accepted.socket, accepted.head, accepted.deflate);
      return;
    }
    // 1-2. Parse the URL: ws/wss (http/https mapped), no fragment → else SyntaxError.
    const target = parseWebSocketUrl(url);
    // 3-4. A single protocol string becomes a list; duplicates or non-tokens → SyntaxError.
    const offered = validateProtocols(protocols);
    // Node extras are checked now, so a mistake throws here rather than as an error event.
    const dispatch = options.messageDispatch ?? 'sync';
    if (dispatch !== 'sync' && dispatch !== 'task') throw new TypeError(`messageDispatch must be 'sync' or 'task', got ${String(dispatch)}`);
    this.#dispatchAsTask = dispatch === 'task';
    const deflateOptions = options.perMessageDeflate === true ? {} : options.perMessageDeflate === false ? undefined : options.perMessageDeflate;
    if (deflateOptions !== undefined) validateDeflateOptions(deflateOptions);
    this.#connection = new Connection('client', options, handler);
    try {
      buildClientRequest({
        url: target, key: createClientKey(), protocols: offered,
        ...pickDefined(options, ['origin', 'headers', 'allowInsecureCredentials']),
      });
    } catch (error) {
      // Credentials over plain ws: are refused by failing the connection (an
      // error event), not by throwing: the constructor only throws SyntaxError for URLs.
      if (!(error instanceof HandshakeError)) throw error;
    }
    // 5. Set this's url to urlRecord.
    this.#url = target.href;
    if (target.socketPath !== undefined) this.#origin = 'null';
    // 7. Establish a WebSocket connection, in parallel.
    this.#abort = new AbortController();
    connectClient(target, {
      protocols: offered,
      signal: this.#abort.signal,
      ...(deflateOptions !== undefined ? { extensions: formatDeflateOffer(deflateOptions) } : {}),
      ...pickDefined(options, [
        'origin', 'headers', 'tls', 'handshakeTimeout', 'maxHeaderBytes', 'maxHeaderCount',
        'followRedirects', 'maxRedirects', 'allowInsecureCredentials',
      ]),
    }).then(
      (result) => {
        this.#abort = null;
        const connection = this.#connection;
        if (connection.state !== ConnectionState.Connecting) {
          // close() won the race against the handshake.
          result.socket.destroy();
          connection.failHandshake(new ConnectionError('WS_ERR_TERMINATED', 'WebSocket closed before the connection was established'));
          return;
        }
        let deflate: NegotiatedDeflate | undefined;
        if (deflateOptions !== undefined && result.extensions !== '') {
          try {
            const agreement = acceptDeflateAnswer(parseExtensionHeader(result.extensions), result.extensions, deflateOptions);
            if (agreement !== null) deflate = { agreement, options: deflateOptions };
          } catch (error) {
            // RFC 7692 §5.1: a client MUST fail the connection on an invalid answer.
            result.socket.destroy();
            connection.failHandshake(error as Error);
            return;
          }
        }
        // "When the WebSocket connection is established": set extensions and
        // protocol, change the ready state to OPEN, fire open; only then read frames.
        this.#extensions = result.extensions;
        this.#protocol = result.protocol;
        connection.attach(result.socket, result.head, deflate);
        this.dispatchEvent(new Event('open'));
        connection.start();
      },
      (error: unknown) => {
        this.#abort = null;
        const aborted = this.#connection.closedWhileConnecting;
        this.#connection.failHandshake(
          aborted
            ? new ConnectionError('WS_ERR_TERMINATED', 'WebSocket closed before the connection was established', { cause: error })
            : error instanceof Error ? error : new Error(String(error)),
        );
      },
    );
  }

  /** The URL the connection was opened with (serialized; http(s) shown as ws(s)). */
  get url(): string {
    return this.#url;
  }

  /** 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. */
  get readyState(): number {
    return this.#connection.readyState;
  }

  /**
   * Bytes of application data passed to send() and not yet handed to the
   * network; framing is not counted. Grows (and never shrinks) for sends after
   * the closing handshake started, as the spec says.
   */
  get bufferedAmount(): number {
    return this.#connection.bufferedAmount + this.#queuedBytes;
  }

  /** The extensions the server accepted (the `Sec-WebSocket-Extensions` value), '' for none. */
  get extensions(): string {
    return this.#extensions;
  }

  /** The subprotocol the server selected, '' for none. */
  get protocol(): string {
    return this.#protocol;
  }

  /**
   * How binary messages are delivered: `'blob'` (the default, as in browsers
   * and k6), `'arraybuffer'`, or `'nodebuffer'` (a Node Buffer, zero-copy).
   * Other values are ignored, as WebIDL enumerations are.
   */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  set binaryType(value: BinaryType) {
    if (value === 'blob' || value === 'arraybuffer' || value === 'nodebuffer') this.#binaryType = value;
  }

  /**
   * Node extra: `bufferedamountlow` fires when bufferedAmount falls from above
   * this many bytes to this many or fewer. Default 0 (or the constructor option).
   */
  get bufferedAmountLowThreshold(): number {
    return this.#connection.bufferedAmountLowThreshold;
  }

  set bufferedAmountLowThreshold(value: number) {
    const number = Number(value);
    if (!(number >= 0)) throw new RangeError('bufferedAmountLowThreshold must be a non-negative number');
    this.#connection.bufferedAmountLowThreshold = number;
  }

  /**
   * Send a message: a string as text; an ArrayBuffer, any ArrayBufferView or
   * a Blob as binary. The data is copied at call time. Blobs are read
   * asynchronously, and later sends wait for them, so order is kept.
   * Node extras: `options.compress = false` sends this message uncompressed
   * when permessage-deflate was negotiated; `options.copy = false` skips the
   * copy of binary data (see {@link SendOptions.copy}).
   * @see https://websockets.spec.whatwg.org/#dom-websocket-send
   * @throws {DOMException} `InvalidStateError` while CONNECTING.
   */
  send(data: SendData, options?: SendOptions): void {
    // 1. If this's ready state is CONNECTING, throw an "InvalidStateError" DOMException.
    if (this.#connection.state === ConnectionState.Connecting) {
      throw new DOMException('Cannot send before the WebSocket connection is open', 'InvalidStateError');
    }
    // 2. Run the steps for data's type. After the closing handshake started,
    //    the connection only counts the bytes into bufferedAmount.
    const compress = options?.compress !== false;
    if (typeof data === 'string') {
      this.#send(data, false, compress, true);
      return;
    }
    const bytes = bytesOf(data);
    if (bytes !== null) {
      this.#send(bytes, true, compress, options?.copy !== false);
    } else if (data instanceof Blob) {
      this.#sendQueue.push({ blob: data, size: data.size, compress });
      this.#queuedBytes += data.size;
      if (this.#sendQueue.length === 1) void this.#drainSendQueue();
    } else {
      const text = toUsvString(data);
      this.#send(text, false, compress, true);
    }
  }

  #send(data: Buffer | string, isBinary: boolean, compress: boolean, copy: boolean): void {
    if (this.#sendQueue.length === 0) {
      this.#connection.send(data, isBinary, { compress, copy }); // it measures the size for bufferedAmount
      return;
    }
    // Behind a Blob: copy the bytes now (the caller may reuse them), send later.
    const size = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
    this.#sendQueue.push({ data: typeof data === 'string' ? data : Buffer.from(data), isBinary, size, compress });
    this.#queuedBytes += size;
  }

  async #drainSendQueue(): Promise<void> {
    while (this.#sendQueue.length > 0) {
      const item = this.#sendQueue[0]!;
      let data: Buffer | string;
      let isBinary = true;
      if ('blob' in item) {
        try {
          data = Buffer.from(await item.blob.arrayBuffer());
        } catch (error) {
          // A Blob that cannot be read fails the connection (nothing else could keep order).
          this.#sendQueue.length = 0;
          this.#queuedBytes = 0;
          this.#connection.fail(CloseCode.InternalError, '', error instanceof Error ? error : new Error(String(error)));
          return;
        }
      } else {
        data = item.data;
        isBinary = item.isBinary;
      }
      this.#sendQueue.shift();
      this.#queuedBytes -= item.size;
      this.#connection.send(data, isBinary, { copy: false, compress: item.compress });
    }
  }

  /**
   * Start the closing handshake with an optional code (1000 or 3000–4999)
   * and reason (at most 123 bytes of UTF-8). Before the connection is
   * established this fails it instead (error, then close with 1006).
   * @see https://websockets.spec.whatwg.org/#dom-websocket-close
   * @throws {DOMException} `InvalidAccessError` for another code, `SyntaxError` for a longer reason.
   */
  close(code?: number, reason?: string): void {
    // 1. If code is present, but is neither 1000 nor in 3000–4999, throw an "InvalidAccessError".
    let closeCode: number | null = null;
    if (code !== undefined) {
      closeCode = clampUnsignedShort(code);
      if (closeCode !== 1000 && !(closeCode >= 3000 && closeCode <= 4999)) {
        throw new DOMException(`The close code must be 1000 or in 3000–4999, got ${closeCode}`, 'InvalidAccessError');
      }
    }
    // 2. If reason is present, UTF-8 encode it; longer than 123 bytes → "SyntaxError".
    let reasonText = '';
    if (reason !== undefined) {
      reasonText = toUsvString(reason);
      const length = Buffer.byteLength(reasonText, 'utf8');
      if (length > 123) throw new DOMException(`The close reason must be at most 123 bytes of UTF-8, got ${length}`, 'SyntaxError');
    }
    // 3. Close the WebSocket with this, code and reason.
    const connection = this.#connection;
    const state = connection.state;
    // - If readyState is CLOSING or CLOSED, do nothing.
    if (state !== ConnectionState.Connecting && state !== ConnectionState.Open) return;
    if (state === ConnectionState.Connecting) {
      // - If the connection is not yet established, fail it and set readyState to CLOSING.
      connection.close();
      this.#abort?.abort(new ConnectionError('WS_ERR_TERMINATED', 'WebSocket closed before the connection was established'));
      return;
    }
    // - Otherwise start the closing handshake. No code and no reason: a close
    //   frame without a body; a reason without a code: code 1000.
    if (closeCode === null) closeCode = reasonText === '' ? CloseCode.NoStatusReceived : CloseCode.NormalClosure;
    connection.close(closeCode, reasonText);
  }

  /**
   * k6 extra: send a ping with an optional payload (a string or bytes, at most
   * 125 bytes). The answer arrives as a `pong` event. Ignored once closing.
   * @throws {DOMException} `InvalidStateError` while CONNECTING.
   * @throws {RangeError} for a payload over 125 bytes.
   */
  ping(data?: string | ArrayBufferLike | ArrayBufferView): void {
    if (this.#connection.state === ConnectionState.Connecting) {
      throw new DOMException('Cannot ping before the WebSocket connection is open', 'InvalidStateError');
    }
    this.#connection.ping(controlPayload(data));
  }

  /** Node extra: send an unsolicited pong (a one-way heartbeat, RFC 6455 §5.5.3). */
  pong(data?: string | ArrayBufferLike | ArrayBufferView): void {
    if (this.#connection.state === ConnectionState.Connecting) {
      throw new DOMException('Cannot pong before the WebSocket connection is open', 'InvalidStateError');
    }
    this.#connection.pong(controlPayload(data));
  }

  /** Node extra: drop the connection at once, without a closing handshake (error, then close 1006). */
  terminate(): void {
    if (this.#connection.state === ConnectionState.Connecting) {
      this.#connection.close();
      this.#abort?.abort(new ConnectionError('WS_ERR_TERMINATED', 'WebSocket terminated before the connection was established'));
      return;
    }
    this.#connection.terminate();
  }

  get onopen(): ((event: Event) => unknown) | null { return this.#handlers?.get('open') ?? null; }
  set onopen(value: ((event: Event) => unknown) | null) { (this.#handlers ??= new EventHandlerAttributes(this)).set('open', value); }
  get onmessage(): ((event: MessageEvent) => unknown) | null { return this.#handlers?.get('message') ?? null; }
  set onmessage(value: ((event: MessageEvent) => unknown) | null) { (this.#handlers ??= new EventHandlerAttributes(this)).set('message', value); }
  get onerror(): ((event: ErrorEvent) => unknown) | null { return this.#handlers?.get('error') ?? null; }
  set onerror(value: ((event: ErrorEvent) => unknown) | null) { (this.#handlers ??= new EventHandlerAttributes(this)).set('error', value); }
  get onclose(): ((event: CloseEvent) => unknown) | null { return this.#handlers?.get('close') ?? null; }
  set onclose(value: ((event: CloseEvent) => unknown) | null) { (this.#handlers ??= new EventHandlerAttributes(this)).set('close', value); }
  get onping(): ((event: MessageEvent) => unknown) | null { return this.#handlers?.get('ping') ?? null; }
  set onping(value: ((event: MessageEvent) => unknown) | null) { (this.#handlers ??= new EventHandlerAttributes(this)).set('ping', value); }
  get onpong(): ((event: MessageEvent) => unknown) | null { return this.#handlers?.get('pong') ?? null; }
  set onpong(value: ((event: MessageEvent) => unknown) | null) { (this.#handlers ??= new EventHandlerAttributes(this)).set('pong', value); }
  get onbufferedamountlow(): ((event: Event) => unknown) | null { return this.#handlers?.get('bufferedamountlow') ?? null; }
  set onbufferedamountlow(value: ((event: Event) => unknown) | null) { (this.#handlers ??= new EventHandlerAttributes(this)).set('bufferedamountlow', value); }

  get [Symbol.toStringTag](): string {
    return 'WebSocket';
  }

  /** MessageEvent.origin: the serialization of the URL's origin. */
  #messageOrigin(): string {
    return this.#origin ??= new URL(this.#url).origin;
  }

  static {
    deliver = {
      message(ws, data, isBinary) {
        // "When a WebSocket message has been received": data is a string for
        // text, else per binaryType; fire a MessageEvent with origin.
        ws.#fire(new MessageEvent('message', {
          data: isBinary ? binaryMessage(data, ws.#binaryType) : data.toString('utf8'),
          origin: ws.#messageOrigin(),
        }));
      },
      control(ws, type, payload) {
        ws.#fire(new MessageEvent(type, { data: payload, origin: ws.#messageOrigin() }));
      },
      error(ws, error) {
        ws.#fire(new ErrorEvent('error', { error, message: error.message }));
      },
      close(ws, info) {
        ws.#fire(new CloseEvent('close', { wasClean: info.wasClean, code: info.code, reason: info.reason }));
        ws.#onClosed?.(ws);
      },
      event(ws, type) {
        ws.#fire(new Event(type));
      },
    };
  }

  /** Dispatch now, or as its own task when messageDispatch is 'task' (order is kept either way). */
  #fire(event: Event): void {
    if (this.#dispatchAsTask) setImmediate(() => this.dispatchEvent(event));
    else this.dispatchEvent(event);
  }
}

/**
 * The connection's handler for one WebSocket: one small object whose methods
 * live on the prototype, rather than six closures per connection.
 */
class WebSocketEvents implements ConnectionHandler {
  constructor(private readonly ws: WebSocket) {}
  onMessage(data: Buffer, isBinary: boolean): void {
    deliver.message(this.ws, data, isBinary);
  }
  onPing(payload: Buffer): void {
    deliver.control(this.ws, 'ping', payload);
  }
  onPong(payload: Buffer): void {
    deliver.control(this.ws, 'pong', payload);
  }
  onError(error: Error): void {
    deliver.error(this.ws, error);
  }
  onClose(info: CloseInfo): void {
    deliver.close(this.ws, info);
  }
  onBufferedAmountLow(): void {
    deliver.event(this.ws, 'bufferedamountlow');
  }
}

// WebIDL constants live on the prototype too: ws.OPEN === 1.
for (const [name, value] of [['CONNECTING', 0], ['OPEN', 1], ['CLOSING', 2], ['CLOSED', 3]] as const) {
  Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true, writable: false, configurable: false });
}

function controlPayload(data: string | ArrayBufferLike | ArrayBufferView | undefined): Buffer {
  if (data === undefined) return EMPTY;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.from(bytesOf(data) ?? Buffer.from(String(data), 'utf8'));
}

/**
 * @internal Used by WebSocketServer: wrap an accepted, upgraded socket in a
 * server-role WebSocket (already OPEN). Call {@link internalConnection}`(ws).start()`
 * once the application has had a chance to attach listeners.
 */
export function createAcceptedWebSocket(init: AcceptedInit): WebSocket {
  acceptedInit = init;
  try {
    return new WebSocket('ws://accepted.invalid/');
  } finally {
    acceptedInit = undefined;
  }
}

/**
 * @internal The connection behind a WebSocket, for WebSocketServer (which must
 * start accepted connections and close them with 1001, a code the WHATWG
 * close() refuses).
 */
export function internalConnection(ws: WebSocket): Connection {
  return connectionOf(ws);
}

export type { AcceptedInit };
