/**
 * The opening handshake on a raw socket, both ways (RFC 6455 §4).
 *
 * The tester speaks bytes over node:net (node:tls for wss://) so that it
 * controls exactly what goes on the wire after the handshake; the GET request
 * and the 101 response are therefore written here, by hand. Heads are read with
 * the library's bounded {@link HttpHeadReader} and keys checked with its
 * accept-key helpers. The only extension the tester negotiates is
 * permessage-deflate, in sections 12–13 (the offer and the answer are made and
 * checked by permessage-deflate.ts); it never negotiates a subprotocol.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { computeAcceptKey, createClientKey, isValidClientKey } from '../../handshake/accept-key.js';
import { HttpHeadReader, type RequestHead, type ResponseHead } from '../../handshake/http-head.js';

/** The User-Agent and Server header of the tester. */
export const TESTER_PRODUCT = 'rfc6455-conformance';

/** The opening handshake failed; the request and response seen so far are kept for the report. */
export class HandshakeFailure extends Error {
  override readonly name = 'HandshakeFailure';
  /**
   * @param status the HTTP status of a complete response that refused the
   *   upgrade (not 101), when that is why the handshake failed
   */
  constructor(message: string, readonly request = '', readonly response = '', readonly status?: number) {
    super(message);
  }
}

/** An upgraded client connection. */
export interface UpgradedClient {
  /** Paused; the caller resumes it once its listeners are attached. */
  readonly socket: Socket;
  /** Bytes received after the 101 response. */
  readonly head: Buffer;
  readonly request: string;
  readonly response: string;
  /** The server's `Server` header, if any. */
  readonly server: string | undefined;
  /** The server's Sec-WebSocket-Extensions (repeated fields joined), if any. */
  readonly extensions: string | undefined;
}

/** Options for {@link connectAndUpgrade}. */
export interface ConnectOptions {
  /** Bound on connecting plus the handshake. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** wss://: accept any certificate. Default false. */
  readonly insecure?: boolean;
  /** A Sec-WebSocket-Extensions offer to send; the caller checks the server's answer. */
  readonly extensions?: string;
}

function ignore(): void {
  // Errors are observed by whoever owns the socket next.
}

/** Whether a comma-separated header value contains `token`, ignoring case (RFC 9110 §5.6.1). */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  const wanted = token.toLowerCase();
  return value.split(',').some((part) => part.trim().toLowerCase() === wanted);
}

/** Open a TCP (or TLS) connection to a ws:// or wss:// URL and perform the client handshake (RFC 6455 §4.1). */
export function connectAndUpgrade(url: URL, options: ConnectOptions = {}): Promise<UpgradedClient> {
  const secure = url.protocol === 'wss:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  const key = createClientKey();
  const request = [
    `GET ${url.pathname === '' ? '/' : url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
    ...(options.extensions === undefined ? [] : [`Sec-WebSocket-Extensions: ${options.extensions}`]),
    `User-Agent: ${TESTER_PRODUCT}`,
    '', '',
  ].join('\r\n');

  return new Promise((resolve, reject) => {
    const socket: Socket = secure
      ? tlsConnect({ host, port, servername: host, rejectUnauthorized: options.insecure !== true })
      : netConnect({ host, port });
    const reader = new HttpHeadReader<ResponseHead>('response');
    const received: Buffer[] = [];
    let settled = false;
    const fail = (message: string, status?: number): void => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.destroy();
      reject(new HandshakeFailure(message, request, Buffer.concat(received).toString('latin1'), status));
    };
    const timer = setTimeout(() => fail(`no complete opening handshake within ${options.timeoutMs ?? 5000} ms`), options.timeoutMs ?? 5000);
    const onData = (chunk: Buffer): void => {
      received.push(chunk);
      let result;
      try {
        result = reader.push(chunk);
      } catch (error) {
        fail(`malformed HTTP response: ${(error as Error).message}`);
        return;
      }
      if (result === null) return;
      const all = Buffer.concat(received);
      const response = all.toString('latin1', 0, all.length - result.rest.length);
      const problem = checkResponse(result.head, key, options.extensions !== undefined);
      if (problem !== null) {
        fail(problem, result.head.status === 101 ? undefined : result.head.status);
        return;
      }
      settled = true;
      cleanup();
      socket.pause();
      // Until the session attaches its own listener, an error must not go unhandled.
      socket.on('error', ignore);
      resolve({
        socket, head: Buffer.from(result.rest), request, response,
        server: result.head.headers['server'], extensions: result.head.headers['sec-websocket-extensions'],
      });
    };
    const onError = (error: NodeJS.ErrnoException): void => fail(`connection failed: ${error.code ?? error.message}`);
    const onClose = (): void => fail('the connection closed during the opening handshake');
    const onConnect = (): void => { socket.write(request); };
    function cleanup(): void {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.removeListener(secure ? 'secureConnect' : 'connect', onConnect);
    }
    socket.on(secure ? 'secureConnect' : 'connect', onConnect);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

/**
 * RFC 6455 §4.1, the client's checks of the server's response; null when it
 * is acceptable. With `extensionsOffered`, the Sec-WebSocket-Extensions header
 * is left to the caller (who made the offer).
 */
export function checkResponse(head: ResponseHead, key: string, extensionsOffered = false): string | null {
  if (head.status !== 101) return `the server answered ${head.status} ${head.statusText} instead of 101 Switching Protocols`;
  if (head.headers['upgrade']?.toLowerCase() !== 'websocket') return `the Upgrade header is "${head.headers['upgrade'] ?? ''}", not "websocket"`;
  if (!hasToken(head.headers['connection'], 'upgrade')) return `the Connection header "${head.headers['connection'] ?? ''}" lacks "Upgrade"`;
  const accept = head.headers['sec-websocket-accept'];
  if (accept !== computeAcceptKey(key)) return `Sec-WebSocket-Accept is "${accept ?? ''}", expected "${computeAcceptKey(key)}"`;
  if (!extensionsOffered && head.headers['sec-websocket-extensions'] !== undefined) {
    return `the server selected extensions the tester did not offer: ${head.headers['sec-websocket-extensions']}`;
  }
  if (head.headers['sec-websocket-protocol'] !== undefined) {
    return `the server selected a subprotocol the tester did not offer: ${head.headers['sec-websocket-protocol']}`;
  }
  return null;
}

/** A request head read from a socket, and what followed it. */
export interface ReadRequest {
  readonly head: RequestHead;
  readonly rest: Buffer;
  readonly raw: string;
}

/** Read one HTTP request head (bounded in size and time). The socket is left paused. */
export function readRequest(socket: Socket, timeoutMs = 5000): Promise<ReadRequest> {
  return new Promise((resolve, reject) => {
    const reader = new HttpHeadReader<RequestHead>('request');
    const received: Buffer[] = [];
    let settled = false;
    const finish = (error: Error | null, value?: ReadRequest): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.pause();
      socket.on('error', ignore);
      if (error !== null) reject(error);
      else resolve(value!);
    };
    const timer = setTimeout(() => finish(new HandshakeFailure(`no complete request within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      received.push(chunk);
      try {
        const result = reader.push(chunk);
        if (result === null) return;
        const all = Buffer.concat(received);
        finish(null, { head: result.head, rest: Buffer.from(result.rest), raw: all.toString('latin1', 0, all.length - result.rest.length) });
      } catch (error) {
        finish(new HandshakeFailure(`malformed HTTP request: ${(error as Error).message}`, Buffer.concat(received).toString('latin1')));
      }
    };
    const onError = (error: NodeJS.ErrnoException): void => finish(new HandshakeFailure(`connection error: ${error.code ?? error.message}`));
    const onClose = (): void => finish(new HandshakeFailure('the connection closed before a complete request'));
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

/** RFC 6455 §4.2.1, the server's checks of a client's upgrade request; null when it is acceptable. */
export function checkUpgradeRequest(head: RequestHead): { status: number; message: string } | null {
  if (head.method !== 'GET') return { status: 405, message: `method ${head.method}, not GET` };
  if (head.httpVersion !== '1.1' && !(Number(head.httpVersion) > 1.1)) return { status: 400, message: `HTTP/${head.httpVersion}; at least HTTP/1.1 is required` };
  if (head.headers['host'] === undefined) return { status: 400, message: 'no Host header' };
  if (!hasToken(head.headers['upgrade'], 'websocket')) return { status: 400, message: `the Upgrade header "${head.headers['upgrade'] ?? ''}" lacks "websocket"` };
  if (!hasToken(head.headers['connection'], 'upgrade')) return { status: 400, message: `the Connection header "${head.headers['connection'] ?? ''}" lacks "Upgrade"` };
  if (head.headers['sec-websocket-version'] !== '13') return { status: 426, message: `Sec-WebSocket-Version "${head.headers['sec-websocket-version'] ?? ''}", not 13` };
  if (!isValidClientKey(head.headers['sec-websocket-key'] ?? '')) return { status: 400, message: `invalid Sec-WebSocket-Key "${head.headers['sec-websocket-key'] ?? ''}"` };
  return null;
}

/** Write the 101 response for a checked request, accepting `extensions` if given; returns its text. */
export function acceptUpgrade(socket: Socket, head: RequestHead, extensions?: string): string {
  const response = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${computeAcceptKey(head.headers['sec-websocket-key'] ?? '')}`,
    ...(extensions === undefined ? [] : [`Sec-WebSocket-Extensions: ${extensions}`]),
    `Server: ${TESTER_PRODUCT}`,
    '', '',
  ].join('\r\n');
  socket.write(response);
  return response;
}

/** Answer with an HTTP error and close the connection. */
export function rejectRequest(socket: Socket, status: number, message: string): void {
  const reason = status === 404 ? 'Not Found' : status === 405 ? 'Method Not Allowed' : status === 426 ? 'Upgrade Required' : 'Bad Request';
  const body = `${message}\n`;
  const extra = status === 426 ? 'Sec-WebSocket-Version: 13\r\n' : '';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n${extra}Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  // A client that never closes its side does not keep the socket alive.
  setTimeout(() => socket.destroy(), 1000).unref();
}
