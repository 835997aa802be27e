/**
 * The client's opening handshake on a real socket (RFC 6455 §4.1): connect
 * over TCP, TLS or a Unix domain socket, write the request, read the response
 * head incrementally, validate it, follow redirects when asked, and hand the
 * socket over — with the bytes that followed the 101 head — to the socket
 * layer. node:http is not involved: the handshake is one request and one
 * response head, and after it the connection is no longer HTTP.
 *
 * Invariants:
 * - One deadline (`handshakeTimeout`) covers the whole call, redirects included.
 * - Every failure — timeout, abort, network or TLS error, early close, an
 *   invalid response — destroys the socket it concerns before the promise
 *   rejects; no socket is left half-open and no socket error goes unhandled.
 * - Buffering is bounded by `maxHeaderBytes` (informational 1xx heads count
 *   against the same budget); the response body of a refusal is never read.
 * - On success nothing is lost: the bytes after the head are in `head`, any
 *   later bytes are still in the paused socket, and no listener of ours is
 *   left on it (see {@link ClientHandshakeResult}).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { createClientKey } from './accept-key.js';
import { buildClientRequest, validateProtocols, validateServerResponse } from './client-request.js';
import { HandshakeError } from './errors.js';
import type { OutgoingHeaders } from './fields.js';
import { parseExtensionHeader } from './headers.js';
import { DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_HEADER_BYTES, type HttpHeadLimits, HttpHeadReader, type ResponseHead } from './http-head.js';
import { describeEndpoint, isSameEndpoint, parseWebSocketUrl, type WebSocketUrl } from './url.js';

/** Default {@link ConnectClientOptions.maxRedirects}: 10. */
export const DEFAULT_MAX_REDIRECTS = 10;

/** Redirect statuses that are followed (RFC 9110 §15.4); 300 and 304 are not redirects to follow. */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Longest timer Node can arm; a longer timeout would fire after 1 ms instead. */
const MAX_TIMER = 0x7fffffff;

/**
 * TLS options passed through to `tls.connect` for `wss:` (ca, cert, key,
 * rejectUnauthorized, servername, minVersion, checkServerIdentity, ...).
 * Where to connect comes from the URL, and ALPN is always `http/1.1`.
 */
export type ClientTlsOptions = Omit<tls.ConnectionOptions, 'host' | 'port' | 'path' | 'socket' | 'ALPNProtocols'>;

/** Options of {@link connectClient}. */
export interface ConnectClientOptions extends HttpHeadLimits {
  /** Subprotocols to offer (checked as by {@link validateProtocols}). Default none. */
  readonly protocols?: readonly string[];
  /** The `Sec-WebSocket-Extensions` offer from the extension layer. Default none. */
  readonly extensions?: string;
  /** The `Origin` header. Default none. */
  readonly origin?: string;
  /** Extra request header fields; see {@link ClientRequestOptions.headers}. */
  readonly headers?: OutgoingHeaders;
  /** Send URL credentials over plain `ws:`. Default false (`WS_ERR_INSECURE_CREDENTIALS`). */
  readonly allowInsecureCredentials?: boolean;
  /**
   * Milliseconds for the whole handshake — connecting, TLS, every redirect,
   * up to the validated 101 — before it fails with `WS_ERR_HANDSHAKE_TIMEOUT`.
   * Default 30 000. `0`, `Infinity` or anything above 2^31−1 ms (~24.8 days)
   * means no timeout.
   */
  readonly handshakeTimeout?: number;
  /**
   * Cancels the handshake (the API's `close()` while CONNECTING): the socket
   * is destroyed and the promise rejects with `signal.reason`, as fetch does.
   */
  readonly signal?: AbortSignal;
  /**
   * Follow 301, 302, 303, 307 and 308 responses that have a `Location`.
   * Default false: a redirect fails with `WS_ERR_UNEXPECTED_STATUS`. (The
   * WHATWG WebSocket fails on redirects; following them is a Node extension.)
   */
  readonly followRedirects?: boolean;
  /** Most redirects followed before `WS_ERR_TOO_MANY_REDIRECTS`. Default 10. */
  readonly maxRedirects?: number;
  /** TLS options for `wss:`. */
  readonly tls?: ClientTlsOptions;
}

/**
 * A completed client handshake.
 *
 * The socket is handed over in this state:
 * - paused (`socket.readableFlowing === false`): attaching a `'data'`
 *   listener does NOT restart the flow — call `socket.resume()` after it;
 * - no listener added by the handshake remains (no `'data'`, `'error'`,
 *   `'end'` or `'close'`): attach an `'error'` listener in the same tick the
 *   promise settles — before any further `await` — or a later socket error
 *   is an uncaught exception;
 * - `head` holds the bytes received right after the 101 head, to be parsed
 *   as frames BEFORE anything the socket emits later;
 * - `setNoDelay(true)` is on (frames are written whole, Nagle only delays them).
 */
export interface ClientHandshakeResult {
  readonly socket: net.Socket | tls.TLSSocket;
  /** Bytes after the 101 response head: the first frames, possibly empty. */
  readonly head: Buffer;
  /** The selected subprotocol, `''` for none. */
  readonly protocol: string;
  /** The response's `Sec-WebSocket-Extensions` value, `''` for none. */
  readonly extensions: string;
  /** The 101 response head. */
  readonly response: ResponseHead;
  /** The URL finally connected to, after redirects (with any carried-over credentials). */
  readonly url: WebSocketUrl;
}

/**
 * Run the client's opening handshake (RFC 6455 §4.1) to `url`.
 *
 * Rejects with:
 * - {@link HandshakeError} — `WS_ERR_UNEXPECTED_STATUS` (with the response
 *   status), `WS_ERR_INVALID_*`/`WS_ERR_UNEXPECTED_*` for an invalid 101,
 *   `WS_ERR_HANDSHAKE_TIMEOUT`, `WS_ERR_CONNECTION_CLOSED` (closed before the
 *   head was complete), `WS_ERR_CONNECTION_FAILED` (network or TLS error,
 *   the original error as `cause`), `WS_ERR_MALFORMED_HTTP`,
 *   `WS_ERR_HEADER_TOO_LARGE`, `WS_ERR_TOO_MANY_HEADERS`,
 *   `WS_ERR_TOO_MANY_REDIRECTS`, `WS_ERR_INVALID_URL` (bad `Location`),
 *   `WS_ERR_INSECURE_CREDENTIALS` (before connecting); `status` is 0 unless
 *   a response said otherwise;
 * - `signal.reason` when aborted;
 * - TypeError / RangeError / DOMException for invalid options.
 *
 * Error messages name the endpoint (scheme, host, port) but never the path,
 * query or credentials.
 *
 * Redirects (when `followRedirects`): `Location` is resolved against the
 * current URL (for `ws+unix:`, a relative Location stays on the same socket),
 * `http(s):` maps to `ws(s):`, and a fragment is dropped. Two redirects are
 * refused with `WS_ERR_INVALID_URL`: from a network URL to `ws+unix:` (a
 * remote server must not reach local sockets through the client) and from
 * `wss:` to `ws:` (the caller asked for TLS). The URL's
 * credentials and the `Authorization`, `Cookie` and `Host` headers are only
 * kept while the redirect stays on the same scheme, host and port (or Unix
 * socket); once dropped they stay dropped.
 */
export function connectClient(url: WebSocketUrl, options: ConnectClientOptions = {}): Promise<ClientHandshakeResult> {
  return new Promise((resolve, reject) => {
    new ClientHandshake(url, options, resolve, reject).start();
  });
}

function noop(): void {}

class ClientHandshake {
  private readonly options: ConnectClientOptions;
  private readonly protocols: string[];
  private readonly offeredExtensions: string[];
  private readonly timeout: number;
  private readonly maxRedirects: number;
  private readonly maxHeaderBytes: number;
  private headers: OutgoingHeaders | undefined;
  private url: WebSocketUrl;
  private key = '';
  private socket: net.Socket | undefined;
  private reader: HttpHeadReader<ResponseHead> | undefined;
  /** Head bytes consumed by informational (1xx) responses on this connection. */
  private interimBytes = 0;
  private redirects = 0;
  private timer: NodeJS.Timeout | undefined;
  private settled = false;

  constructor(
    url: WebSocketUrl,
    options: ConnectClientOptions,
    private readonly resolve: (result: ClientHandshakeResult) => void,
    private readonly reject: (reason: unknown) => void,
  ) {
    this.url = url;
    this.options = options;
    this.headers = options.headers;
    this.protocols = validateProtocols(options.protocols);
    const offer = options.extensions ?? '';
    // A malformed offer is reported by buildClientRequest with a clear TypeError.
    this.offeredExtensions = offer === '' ? [] : safeExtensionNames(offer);
    this.timeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
    if (typeof this.timeout !== 'number' || !(this.timeout >= 0)) throw new RangeError('handshakeTimeout must be a non-negative number of milliseconds');
    this.maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    if (!Number.isInteger(this.maxRedirects) || this.maxRedirects < 0) throw new RangeError('maxRedirects must be a non-negative integer');
    this.maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  }

  start(): void {
    const { signal } = this.options;
    if (signal?.aborted === true) {
      this.reject(signal.reason);
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (this.timeout > 0 && this.timeout <= MAX_TIMER) this.timer = setTimeout(this.onTimeout, this.timeout);
    this.attempt();
  }

  /** One connection: connect, write the request, wait for the response head. */
  private attempt(): void {
    let request: string;
    let socket: net.Socket;
    try {
      // RFC 6455 §4.1: the key is "randomly selected ... for each connection", redirects included.
      this.key = createClientKey();
      request = buildClientRequest({
        url: this.url,
        key: this.key,
        protocols: this.protocols,
        ...(this.options.extensions !== undefined && { extensions: this.options.extensions }),
        ...(this.options.origin !== undefined && { origin: this.options.origin }),
        ...(this.headers !== undefined && { headers: this.headers }),
        ...(this.options.allowInsecureCredentials !== undefined && { allowInsecureCredentials: this.options.allowInsecureCredentials }),
      });
      socket = this.connect(this.url);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.socket = socket;
    this.reader = this.newReader(this.maxHeaderBytes);
    this.interimBytes = 0;
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.setNoDelay(true);
    // Writes made while connecting are queued by the socket and flushed once
    // connected (after the TLS handshake for wss:): one write, one segment.
    socket.write(request);
  }

  private connect(url: WebSocketUrl): net.Socket {
    if (url.socketPath !== undefined) return net.connect({ path: url.socketPath });
    if (!url.secure) return net.connect({ host: url.hostname, port: url.port });
    const tlsOptions: tls.ConnectionOptions = {
      ...this.options.tls,
      host: url.hostname,
      port: url.port,
      // RFC 6455 is HTTP/1.1 only: never let ALPN pick h2.
      ALPNProtocols: ['http/1.1'],
    };
    // SNI carries host names only (RFC 6066 §3: "Literal IPv4 and IPv6
    // addresses are not permitted"); Node warns if given one.
    if (this.options.tls?.servername === undefined && net.isIP(url.hostname) === 0) tlsOptions.servername = url.hostname;
    return tls.connect(tlsOptions);
  }

  private newReader(maxHeaderBytes: number): HttpHeadReader<ResponseHead> {
    return new HttpHeadReader<ResponseHead>('response', {
      maxHeaderBytes,
      ...(this.options.maxHeaderCount !== undefined && { maxHeaderCount: this.options.maxHeaderCount }),
    });
  }

  private readonly onData = (chunk: Buffer): void => {
    this.consume(chunk);
  };

  private consume(chunk: Buffer): void {
    let result;
    try {
      result = this.reader!.push(chunk);
    } catch (error) {
      const e = error as HandshakeError;
      this.fail(new HandshakeError(e.code, `Invalid handshake response from ${describeEndpoint(this.url)}: ${e.message}`, 0, { cause: e }));
      return;
    }
    if (result === null) return;
    const { head, rest } = result;
    if (head.status >= 100 && head.status < 200 && head.status !== 101) {
      // An informational response (100, 103 Early Hints, ...) precedes the
      // final one (RFC 9110 §15.2); skip it within the same byte budget.
      this.interimBytes += this.reader!.bufferedBytes - rest.length;
      const budget = this.maxHeaderBytes - this.interimBytes;
      if (budget <= 0) {
        this.fail(new HandshakeError('WS_ERR_HEADER_TOO_LARGE', `Response heads from ${describeEndpoint(this.url)} exceed ${this.maxHeaderBytes} bytes`, 0));
        return;
      }
      this.reader = this.newReader(budget);
      if (rest.length > 0) this.consume(rest);
      return;
    }
    if (REDIRECT_STATUSES.has(head.status) && this.options.followRedirects === true) {
      const location = head.headers['location'];
      if (location !== undefined) {
        this.redirect(head.status, location);
        return;
      }
    }
    let agreement;
    try {
      agreement = validateServerResponse(head, { key: this.key, protocols: this.protocols, extensions: this.offeredExtensions });
    } catch (error) {
      const e = error as HandshakeError;
      const hint = REDIRECT_STATUSES.has(head.status) && this.options.followRedirects !== true ? ' (a redirect; set followRedirects to follow it)' : '';
      this.fail(new HandshakeError(e.code, `WebSocket handshake with ${describeEndpoint(this.url)} failed: ${e.message}${hint}`, e.status, { cause: e }));
      return;
    }
    // Pause before returning from this 'data' callback: a flowing socket with
    // no 'data' listener would drop whatever it reads next.
    const socket = this.socket!;
    socket.pause();
    this.settled = true;
    this.cleanup();
    this.resolve({ socket, head: rest, protocol: agreement.protocol, extensions: agreement.extensions, response: head, url: this.url });
  }

  private redirect(status: number, location: string): void {
    if (++this.redirects > this.maxRedirects) {
      this.fail(new HandshakeError('WS_ERR_TOO_MANY_REDIRECTS', `More than ${this.maxRedirects} redirects, the last from ${describeEndpoint(this.url)}`, status));
      return;
    }
    let next: WebSocketUrl;
    try {
      next = resolveRedirect(this.url, location);
    } catch (error) {
      this.fail(new HandshakeError('WS_ERR_INVALID_URL', `${describeEndpoint(this.url)} redirected (${status}) to an invalid or unsupported URL`, status, { cause: error }));
      return;
    }
    // A server must not be able to steer the client to a local socket, nor
    // strip the TLS the caller asked for.
    if (next.socketPath !== undefined && this.url.socketPath === undefined) {
      this.fail(new HandshakeError('WS_ERR_INVALID_URL', `${describeEndpoint(this.url)} redirected (${status}) to a Unix socket; refused`, status));
      return;
    }
    if (this.url.secure && !next.secure) {
      this.fail(new HandshakeError('WS_ERR_INVALID_URL', `${describeEndpoint(this.url)} redirected (${status}) from wss: to unencrypted ws:; refused`, status));
      return;
    }
    if (isSameEndpoint(this.url, next)) {
      if (next.username === '' && next.password === '') next = { ...next, username: this.url.username, password: this.url.password };
    } else {
      this.headers = withoutCredentials(this.headers);
    }
    this.closeSocket();
    this.url = next;
    this.attempt();
  }

  private readonly onError = (error: Error): void => {
    this.fail(new HandshakeError('WS_ERR_CONNECTION_FAILED', `WebSocket connection to ${describeEndpoint(this.url)} failed: ${error.message}`, 0, { cause: error }));
  };

  private readonly onEnd = (): void => {
    this.fail(new HandshakeError('WS_ERR_CONNECTION_CLOSED', `${describeEndpoint(this.url)} closed the connection before completing the handshake`, 0));
  };

  // A close without 'end' or 'error' (e.g. destroyed elsewhere) still settles.
  private readonly onClose = this.onEnd;

  private readonly onTimeout = (): void => {
    this.timer = undefined;
    this.fail(new HandshakeError('WS_ERR_HANDSHAKE_TIMEOUT', `Opening handshake with ${describeEndpoint(this.url)} timed out after ${this.timeout} ms`, 0));
  };

  private readonly onAbort = (): void => {
    this.fail(this.options.signal?.reason);
  };

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.cleanup();
    this.closeSocket();
    this.reject(error);
  }

  /** Remove every timer and listener of ours (the socket's too), leaving the socket as it is. */
  private cleanup(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.detach();
  }

  private detach(): void {
    const socket = this.socket;
    if (socket === undefined) return;
    socket.off('data', this.onData);
    socket.off('error', this.onError);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
  }

  /** Destroy the current socket; it is ours alone, so any late error on it is swallowed. */
  private closeSocket(): void {
    const socket = this.socket;
    if (socket === undefined) return;
    this.detach();
    this.socket = undefined;
    socket.on('error', noop);
    socket.destroy();
  }
}

function safeExtensionNames(offer: string): string[] {
  try {
    return [...new Set(parseExtensionHeader(offer).map((o) => o.name))];
  } catch {
    return [];
  }
}

/** The URL a `Location` points to, resolved against the current URL. */
function resolveRedirect(current: WebSocketUrl, location: string): WebSocketUrl {
  // A WebSocket URL cannot have a fragment; a Location may (RFC 9110 §10.2.2).
  const hash = location.indexOf('#');
  const target = hash < 0 ? location : location.slice(0, hash);
  if (current.socketPath !== undefined && !URL.canParse(target)) {
    // Relative to the request path on the same socket: "ws+unix:" URLs are not
    // hierarchical in a way the URL parser could resolve against.
    const resolved = new URL(target, `ws://localhost${current.resource}`);
    const base = new URL(current.href);
    const colon = base.pathname.indexOf(':');
    base.pathname = `${colon < 0 ? base.pathname : base.pathname.slice(0, colon)}:${resolved.pathname}`;
    base.search = resolved.search;
    return parseWebSocketUrl(base);
  }
  return parseWebSocketUrl(target, current.href);
}

/** The headers minus those that must not follow a redirect to another endpoint. */
function withoutCredentials(headers: OutgoingHeaders | undefined): OutgoingHeaders | undefined {
  if (headers === undefined) return undefined;
  const kept: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'authorization' && lower !== 'cookie' && lower !== 'host') kept[name] = value;
  }
  return kept;
}
