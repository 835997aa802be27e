/**
 * WebSocketServer: accepts WebSocket connections standalone (on its own
 * `node:net` or `node:tls` server, reading the HTTP head itself), on a user's
 * `http.Server`/`https.Server` (its `upgrade` event), or from any upgrade the
 * application hands it (`handleUpgrade`). Accepted connections are instances
 * of the same {@link WebSocket} class as clients, in server role, so handler
 * code reads the same on both sides.
 *
 * ```ts
 * const wss = new WebSocketServer({ port: 8080 });
 * const { port } = await wss.listen();
 * wss.on('connection', (ws, request) => {
 *   ws.addEventListener('message', (event) => ws.send(event.data));
 * });
 * ```
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import { HandshakeError } from '../handshake/errors.js';
import type { OutgoingHeaders } from '../handshake/fields.js';
import { DEFAULT_HANDSHAKE_TIMEOUT, type HeaderMap, type RequestHead } from '../handshake/http-head.js';
import { readRequestHead, rejectConnection, requestHeadFromIncomingMessage } from '../handshake/server-accept.js';
import { buildAcceptResponse, validateClientRequest } from '../handshake/server-request.js';
import { negotiateDeflate, type PerMessageDeflateOptions, validateDeflateOptions } from '../handshake/permessage-deflate.js';
import { CloseCode } from '../frame/close-code.js';
import type { ConnectionOptions } from '../socket/options.js';
import { pickDefined } from './pick-defined.js';
import { createAcceptedWebSocket, internalConnection, type WebSocket } from './websocket.js';

/** The server options that are connection options, passed on to every accepted connection. */
const CONNECTION_OPTIONS = ['maxPayload', 'closeTimeout', 'idleTimeout', 'heartbeat', 'fragmentSize', 'bufferedAmountLowThreshold'] as const;

/** The opening handshake request, as the application sees it. */
export interface UpgradeRequest {
  readonly method: string;
  /** The request-target: path and query. */
  readonly url: string;
  readonly httpVersion: string;
  /** Header fields, names lower-cased, repeated fields joined with ", ". */
  readonly headers: Readonly<HeaderMap>;
  readonly rawHeaders: readonly (readonly [string, string])[];
  /** The `Origin` header, when sent. */
  readonly origin: string | undefined;
  /** The subprotocols the client offered, in its order of preference. */
  readonly protocols: readonly string[];
  /** Whether the connection came over TLS. */
  readonly secure: boolean;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** The node:http request, when the upgrade came through an http.Server. */
  readonly incomingMessage?: IncomingMessage;
}

/** What {@link WebSocketServerOptions.verifyClient} may answer: accept, refuse (403), or refuse with a status. */
export type VerifyResult = boolean | { readonly status: number; readonly message?: string; readonly headers?: OutgoingHeaders };

/** Options of {@link WebSocketServer}; connection options apply to every accepted connection. */
export interface WebSocketServerOptions extends ConnectionOptions {
  /** Port to listen on (standalone mode). Default 0: an ephemeral port. */
  readonly port?: number;
  /** Address to listen on (standalone mode). Default '127.0.0.1'. */
  readonly host?: string;
  /** TLS options (cert, key, ...) to serve `wss:` standalone. */
  readonly tls?: TlsOptions;
  /** Accept upgrades from this http/https server's `upgrade` event instead of listening. */
  readonly server?: HttpServer | HttpsServer;
  /** Neither listen nor attach: the application calls {@link WebSocketServer.handleUpgrade}. */
  readonly noServer?: boolean;
  /** Serve only this path (the request-target's path, query ignored); others get 404. Default: any path. */
  readonly path?: string;
  /**
   * Subprotocols this server speaks. The first one the client offers (in the
   * client's order of preference) that is in this list is selected. Default:
   * none, so no subprotocol is selected (a client offering some still connects,
   * with `protocol === ''`).
   */
  readonly protocols?: readonly string[];
  /** Custom subprotocol selection; overrides `protocols`. Return the one to use, or false/undefined for none. */
  readonly handleProtocols?: (offered: readonly string[], request: UpgradeRequest) => string | false | undefined;
  /**
   * Origins allowed to connect (RFC 6455 §10.2), compared with the `Origin`
   * header exactly (e.g. `'https://app.example.com'`). Browsers always send
   * Origin, so this stops cross-site WebSocket hijacking; requests without
   * Origin (non-browser clients) are allowed. Refused origins get 403.
   * Default: any origin.
   */
  readonly allowedOrigins?: readonly string[];
  /** Accept or refuse each handshake (authentication, rate limits, ...); may be async. */
  readonly verifyClient?: (request: UpgradeRequest) => VerifyResult | Promise<VerifyResult>;
  /** Extra headers for the 101 response. */
  readonly headers?: OutgoingHeaders;
  /** Standalone mode: ms to receive a complete request head (slowloris guard). Default 30 000. */
  readonly handshakeTimeout?: number;
  /** Largest request head, bytes (standalone mode). Default 16 KiB. */
  readonly maxHeaderBytes?: number;
  /** Most request header fields (standalone mode). Default 100. */
  readonly maxHeaderCount?: number;
  /** Keep {@link WebSocketServer.clients}. Default true. */
  readonly clientTracking?: boolean;
  /**
   * Accept permessage-deflate (RFC 7692) from clients that offer it: `true`
   * for the defaults, or what to accept and the local tuning. The first
   * acceptable offer wins; invalid offers are declined. Default false.
   */
  readonly perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

export interface WebSocketServerEvents {
  connection: [ws: WebSocket, request: UpgradeRequest];
  /** A handshake was refused or failed; the socket was answered and closed. */
  handshakeError: [error: HandshakeError, request: UpgradeRequest | undefined];
  listening: [address: AddressInfo];
  close: [];
}

export class WebSocketServer extends EventEmitter<WebSocketServerEvents> {
  /** The open connections (when clientTracking is on). */
  readonly clients = new Set<WebSocket>();
  readonly options: WebSocketServerOptions;
  readonly #connectionOptions: ConnectionOptions;
  readonly #server: NetServer | null = null;
  readonly #attachedTo: HttpServer | HttpsServer | null = null;
  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.handleUpgrade(req, socket, head);
  readonly #deflateOptions: PerMessageDeflateOptions | undefined;
  #closing = false;
  readonly #all = new Set<WebSocket>(); // every open connection, tracked or not, for close()
  readonly #handshaking = new Set<Duplex>(); // sockets whose opening handshake is still in progress
  /**
   * Called by each accepted WebSocket once it is closed. One function for the
   * whole server: a per-connection listener closure would also keep the
   * handshake's request objects alive for the connection's lifetime.
   */
  readonly #forget = (ws: WebSocket): void => {
    this.#all.delete(ws);
    this.clients.delete(ws);
  };

  constructor(options: WebSocketServerOptions = {}) {
    super();
    this.options = options;
    this.#connectionOptions = pickDefined(options, CONNECTION_OPTIONS);
    this.#deflateOptions = options.perMessageDeflate === true ? {} : options.perMessageDeflate === false ? undefined : options.perMessageDeflate;
    if (this.#deflateOptions !== undefined) validateDeflateOptions(this.#deflateOptions);
    const modes = Number(options.server !== undefined) + Number(options.noServer === true) + Number(options.port !== undefined || options.tls !== undefined);
    if (modes > 1) throw new TypeError('Use one of: port/tls (standalone), server (attach to http.Server), or noServer');
    if (options.server !== undefined) {
      this.#attachedTo = options.server;
      options.server.on('upgrade', this.#onUpgrade);
    } else if (options.noServer !== true) {
      const onSocket = (socket: Socket) => void this.#acceptRaw(socket, options.tls !== undefined);
      // handshakeTimeout bounds the TLS handshake too (Node's own default is 120 s).
      this.#server = options.tls !== undefined
        ? createTlsServer({ handshakeTimeout: options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT, ...options.tls }, onSocket)
        : createNetServer({ allowHalfOpen: false }, onSocket);
      // TLS handshake failures and the like concern one socket, not the server.
      this.#server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());
    }
  }

  /**
   * Start listening (standalone mode) on `options.port`/`options.host`.
   * Resolves with the bound address; rejects if the port cannot be bound.
   * In attached mode, resolves with the http server's address once it listens.
   */
  async listen(): Promise<AddressInfo> {
    const server = this.#server ?? this.#attachedTo;
    if (server === null) throw new Error('WebSocketServer.listen: a noServer server does not listen');
    if (this.#server === null || server.listening) {
      if (!server.listening) await new Promise<void>((resolve) => server.once('listening', resolve));
      return server.address() as AddressInfo;
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        server.off('error', onError);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    this.emit('listening', address);
    return address;
  }

  /** The bound address (standalone or attached mode), or null when not listening. */
  address(): AddressInfo | null {
    const server = this.#server ?? this.#attachedTo;
    const address = server?.address();
    return address !== null && typeof address === 'object' ? address : null;
  }

  /**
   * Complete an upgrade that node:http (or the application) received:
   * validate it, apply this server's policy, answer 101 and emit
   * `connection`; or answer the right HTTP error and close the socket.
   * Resolves with the WebSocket, or null when the handshake was refused.
   */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket | null> {
    const secure = (socket as { encrypted?: boolean }).encrypted === true;
    return this.#acceptSafely(requestHeadFromIncomingMessage(req), socket as Socket, head, secure, req);
  }

  /**
   * Stop accepting, close every connection with 1001 (Going Away) and resolve
   * once all are closed and the listening socket (standalone mode) is closed.
   * Messages already accepted by send() are flushed before each close frame.
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#attachedTo?.off('upgrade', this.#onUpgrade);
    // Handshakes still in progress will not become connections: drop them now
    // rather than let a slow client hold close() until handshakeTimeout.
    for (const socket of this.#handshaking) socket.destroy();
    this.#handshaking.clear();
    const serverClosed = this.#server !== null && this.#server.listening
      ? new Promise<void>((resolve) => this.#server!.close(() => resolve()))
      : Promise.resolve();
    const connectionsClosed = [...this.#all].map((ws) => new Promise<void>((resolve) => {
      if (ws.readyState === 3) {
        resolve();
        return;
      }
      ws.addEventListener('close', () => resolve(), { once: true });
      internalConnection(ws).close(CloseCode.GoingAway, 'Server shutting down');
    }));
    await Promise.all([serverClosed, ...connectionsClosed]);
    this.emit('close');
  }

  /** Standalone mode: read the head from the raw socket, then accept. */
  async #acceptRaw(socket: Socket, secure: boolean): Promise<void> {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    let result;
    this.#handshaking.add(socket);
    try {
      result = await readRequestHead(socket, {
        ...pickDefined(this.options, ['maxHeaderBytes', 'maxHeaderCount']),
        ...(this.options.handshakeTimeout !== undefined ? { timeout: this.options.handshakeTimeout } : {}),
      });
    } catch (error) {
      // readRequestHead has answered and closed the socket already.
      if (error instanceof HandshakeError && !this.#closing) this.emit('handshakeError', error, undefined);
      return;
    } finally {
      this.#handshaking.delete(socket);
    }
    await this.#acceptSafely(result.head, socket, result.rest, secure, undefined);
  }

  /**
   * {@link #accept}, guaranteed not to reject: a bug or a throwing hook
   * (handleProtocols, headers) costs one socket, never the process.
   */
  async #acceptSafely(head: RequestHead, socket: Socket, rest: Buffer, secure: boolean, incomingMessage: IncomingMessage | undefined): Promise<WebSocket | null> {
    this.#handshaking.add(socket);
    try {
      return await this.#accept(head, socket, rest, secure, incomingMessage);
    } catch (error) {
      socket.destroy();
      this.emit('handshakeError', new HandshakeError('WS_ERR_FORBIDDEN', 'The handshake failed inside the server', 500, { cause: error }), undefined);
      return null;
    } finally {
      this.#handshaking.delete(socket);
    }
  }

  /** Validate, apply policy, answer: the common path of every mode. */
  async #accept(head: RequestHead, socket: Socket, rest: Buffer, secure: boolean, incomingMessage: IncomingMessage | undefined): Promise<WebSocket | null> {
    // Until a WebSocket owns the socket, a socket error must not be uncaught.
    const onEarlyError = () => {};
    socket.on('error', onEarlyError);
    let request = upgradeRequest(head, socket, secure, incomingMessage, []);
    const refuse = (error: HandshakeError, headers?: OutgoingHeaders): null => {
      // buildRejectResponse adds what each status requires (Allow for 405, Upgrade for 426).
      rejectConnection(socket, error.status, error.message, headers);
      this.emit('handshakeError', error, request);
      return null;
    };
    if (this.#closing) return refuse(new HandshakeError('WS_ERR_FORBIDDEN', 'The server is shutting down', 503));
    let handshake;
    try {
      handshake = validateClientRequest(head);
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      // A plain HTTP request (no Upgrade at all): tell the client what this endpoint speaks.
      if (error.code === 'WS_ERR_INVALID_UPGRADE_HEADER' && head.headers['upgrade'] === undefined) {
        return refuse(new HandshakeError('WS_ERR_INVALID_UPGRADE_HEADER', 'This endpoint only accepts WebSocket connections', 426));
      }
      return refuse(error);
    }
    request = { ...request, protocols: handshake.protocols };
    // Policy: path, origin, the application's verdict.
    const path = this.options.path;
    if (path !== undefined && pathOf(handshake.resource) !== path) {
      return refuse(new HandshakeError('WS_ERR_NOT_FOUND', 'No WebSocket endpoint at this path', 404));
    }
    const allowed = this.options.allowedOrigins;
    if (allowed !== undefined && handshake.origin !== undefined && !allowed.includes(handshake.origin)) {
      return refuse(new HandshakeError('WS_ERR_FORBIDDEN', 'Origin not allowed', 403));
    }
    if (this.options.verifyClient !== undefined) {
      let verdict: VerifyResult;
      try {
        verdict = await this.options.verifyClient(request);
      } catch {
        verdict = { status: 500, message: 'verifyClient failed' };
      }
      if (socket.destroyed) return null;
      if (this.#closing) return refuse(new HandshakeError('WS_ERR_FORBIDDEN', 'The server is shutting down', 503));
      if (verdict !== true) {
        const status = verdict === false ? 403 : verdict.status;
        return refuse(
          new HandshakeError('WS_ERR_FORBIDDEN', verdict === false ? 'Handshake refused' : verdict.message ?? 'Handshake refused', status),
          verdict === false ? undefined : verdict.headers,
        );
      }
    }
    const protocol = this.#selectProtocol(handshake.protocols, request);
    if (protocol === null) {
      return refuse(new HandshakeError('WS_ERR_FORBIDDEN', 'handleProtocols selected a subprotocol the client did not offer', 500));
    }
    // Extensions: permessage-deflate when enabled; any other offer is declined by omission (RFC 6455 §9.1).
    const agreement = this.#deflateOptions === undefined ? null : negotiateDeflate(handshake.extensions, this.#deflateOptions);
    socket.write(buildAcceptResponse({
      key: handshake.key,
      ...(protocol !== '' ? { protocol } : {}),
      ...(agreement !== null ? { extensions: agreement.header } : {}),
      ...(this.options.headers !== undefined ? { headers: this.options.headers } : {}),
    }));
    (socket as { setTimeout?: (ms: number) => void }).setTimeout?.(0); // node:http's timers no longer apply
    const ws = createAcceptedWebSocket({
      socket,
      head: rest,
      // Own copies: slices of the request head would keep the whole head alive with the connection.
      url: ownString(`${secure ? 'wss' : 'ws'}://${handshake.host}${handshake.resource}`),
      protocol: ownString(protocol),
      extensions: agreement?.header ?? '',
      options: this.#connectionOptions,
      deflate: agreement !== null ? { agreement, options: this.#deflateOptions! } : undefined,
      onClosed: this.#forget,
    });
    socket.off('error', onEarlyError);
    this.#all.add(ws);
    if (this.options.clientTracking !== false) this.clients.add(ws);
    this.emit('connection', ws, request);
    internalConnection(ws).start();
    return ws;
  }

  /** The subprotocol to answer with, '' for none, null when handleProtocols chose one not offered. */
  #selectProtocol(offered: readonly string[], request: UpgradeRequest): string | null {
    if (offered.length === 0) return '';
    if (this.options.handleProtocols !== undefined) {
      const chosen = this.options.handleProtocols(offered, request);
      if (typeof chosen !== 'string' || chosen === '') return '';
      // RFC 6455 §4.2.2: the selection must be one the client offered.
      return offered.includes(chosen) ? chosen : null;
    }
    const supported = this.options.protocols ?? [];
    return offered.find((protocol) => supported.includes(protocol)) ?? '';
  }
}

/**
 * A copy of `text` that shares no memory with the string it was cut from
 * (V8 keeps the parent of a sliced string alive).
 */
function ownString(text: string): string {
  return text === '' ? '' : Buffer.from(text, 'utf8').toString('utf8');
}

function pathOf(resource: string): string {
  const query = resource.indexOf('?');
  return query < 0 ? resource : resource.slice(0, query);
}

function upgradeRequest(
  head: RequestHead, socket: Socket, secure: boolean, incomingMessage: IncomingMessage | undefined, protocols: readonly string[],
): UpgradeRequest {
  return {
    method: head.method,
    url: head.target,
    httpVersion: head.httpVersion,
    headers: head.headers,
    rawHeaders: head.rawHeaders,
    origin: head.headers['origin'],
    protocols,
    secure,
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    ...(incomingMessage !== undefined ? { incomingMessage } : {}),
  };
}
