/**
 * The server's opening handshake on a real socket: read a request head from a
 * raw `net`/`tls` connection (a standalone server), adapt node:http's
 * `'upgrade'` event to the same {@link RequestHead}, and refuse a handshake
 * with a complete HTTP response without leaving the socket half-open.
 *
 * The pure decisions — is this request valid, what does the 101 say — live in
 * ./server-request.ts; this file only moves bytes and owns the timers.
 *
 * Invariants:
 * - Buffering is bounded by `maxHeaderBytes`; a client that never finishes
 *   its head (slowloris) is answered 408 and cut off at `timeout`.
 * - Every failure either answers and closes ({@link rejectConnection}) or
 *   destroys the socket before the promise rejects; socket errors after that
 *   are swallowed, never uncaught.
 * - On success nothing is lost: the bytes after the head are returned in
 *   `rest`, anything later waits in the paused socket, and no listener of
 *   ours remains.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { HandshakeError } from './errors.js';
import type { OutgoingHeaders } from './fields.js';
import { DEFAULT_HANDSHAKE_TIMEOUT, type HeaderMap, type HeadResult, type HttpHeadLimits, HttpHeadReader, isTokenChar, type RequestHead } from './http-head.js';
import { buildRejectResponse } from './server-request.js';

/**
 * Default grace period of {@link rejectConnection}: 1 s for the client to
 * read the refusal and close before the socket is destroyed.
 */
export const DEFAULT_REJECT_GRACE_PERIOD = 1000;

/** Longest timer Node can arm; a longer timeout would fire after 1 ms instead. */
const MAX_TIMER = 0x7fffffff;

/** Options of {@link readRequestHead}. */
export interface ReadRequestHeadOptions extends HttpHeadLimits {
  /**
   * Milliseconds to receive the complete head, from the call; then the client
   * is answered 408 and the socket closed. Default 30 000. `0`, `Infinity` or
   * more than 2^31−1 ms means no timeout — unwise on a public server.
   */
  readonly timeout?: number;
  /** Grace period of the refusal, see {@link rejectConnection}. Default 1000 ms. */
  readonly gracePeriod?: number;
}

function noop(): void {}

/**
 * Read one HTTP request head from a raw socket (a `net.Server` or
 * `tls.Server` connection) for a standalone WebSocket server.
 *
 * Resolves with the head and the bytes that followed it (`rest`: the
 * client's first frames, if it did not wait for the 101 — possibly empty).
 * The socket is then paused (`readableFlowing === false`; attach a `'data'`
 * listener and call `resume()`), with no listener of ours left: attach an
 * `'error'` listener in the same tick the promise settles.
 *
 * Rejects with a {@link HandshakeError} after the socket has been dealt with,
 * so the caller has nothing left to clean up:
 * - malformed head: answered 400 (`WS_ERR_MALFORMED_HTTP`); a first line
 *   that cannot be HTTP (a TLS ClientHello on a plain port, binary garbage)
 *   is answered at once rather than after `maxHeaderBytes` or the timeout;
 * - head too large or too many fields: answered 431
 *   (`WS_ERR_HEADER_TOO_LARGE`, `WS_ERR_TOO_MANY_HEADERS`);
 * - not complete within `timeout`: answered 408 (`WS_ERR_HANDSHAKE_TIMEOUT`);
 * - the client closed first (`WS_ERR_CONNECTION_CLOSED`) or the socket
 *   failed (`WS_ERR_CONNECTION_FAILED`, original as `cause`): destroyed,
 *   `status` 0 since nothing can be answered.
 *
 * The head is only read here; validate it with {@link validateClientRequest}.
 */
export function readRequestHead(socket: Socket, options: ReadRequestHeadOptions = {}): Promise<HeadResult<RequestHead>> {
  return new Promise((resolve, reject) => {
    const timeout = options.timeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
    if (typeof timeout !== 'number' || !(timeout >= 0)) throw new RangeError('timeout must be a non-negative number of milliseconds');
    const gracePeriod = options.gracePeriod ?? DEFAULT_REJECT_GRACE_PERIOD;
    const reader = new HttpHeadReader<RequestHead>('request', options);
    // Position in the request line, for the early garbage check: -1 once past it.
    let requestLineIndex = 0;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;

    const cleanup = (): void => {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    const refuse = (error: HandshakeError): void => {
      cleanup();
      rejectConnection(socket, error.status, error.message, undefined, gracePeriod);
      reject(error);
    };
    const destroy = (error: HandshakeError): void => {
      cleanup();
      socket.on('error', noop);
      socket.destroy();
      reject(error);
    };

    const onData = (chunk: Buffer): void => {
      if (requestLineIndex >= 0) {
        requestLineIndex = checkRequestLine(chunk, requestLineIndex);
        if (requestLineIndex === INVALID) {
          refuse(new HandshakeError('WS_ERR_MALFORMED_HTTP', 'Malformed HTTP head: invalid request line', 400));
          return;
        }
      }
      let result;
      try {
        result = reader.push(chunk);
      } catch (error) {
        refuse(error as HandshakeError);
        return;
      }
      if (result === null) return;
      // Pause inside the 'data' callback: a flowing socket without a 'data'
      // listener would drop what it reads next.
      socket.pause();
      cleanup();
      resolve(result);
    };
    const onError = (error: Error): void => {
      destroy(new HandshakeError('WS_ERR_CONNECTION_FAILED', `Socket error while reading the handshake request: ${error.message}`, 0, { cause: error }));
    };
    const onEnd = (): void => {
      destroy(new HandshakeError('WS_ERR_CONNECTION_CLOSED', 'The client closed the connection before completing its handshake request', 0));
    };

    if (socket.destroyed || !socket.readable) {
      destroy(new HandshakeError('WS_ERR_CONNECTION_CLOSED', 'The socket is already closed', 0));
      return;
    }
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    if (timeout > 0 && timeout <= MAX_TIMER) {
      timer = setTimeout(() => {
        timer = undefined;
        if (!settled) refuse(new HandshakeError('WS_ERR_HANDSHAKE_TIMEOUT', `The handshake request was not received within ${timeout} ms`, 408));
      }, timeout);
    }
    // A socket paused earlier would not start flowing just because a 'data' listener was added.
    socket.resume();
  });
}

const INVALID = -2;

/**
 * Check the bytes of the request line seen so far (RFC 9112 §3:
 * `method SP request-target SP HTTP-version`): it starts with a token
 * character and holds only visible ASCII and SP up to its CR LF. Returns the
 * updated position in the line, -1 once the line ended, or INVALID.
 */
function checkRequestLine(chunk: Buffer, index: number): number {
  for (let i = 0; i < chunk.length; i++, index++) {
    const b = chunk[i]!;
    if (b === 0x0a) return -1;
    const ok = index === 0 ? isTokenChar(b) : (b >= 0x20 && b <= 0x7e) || b === 0x0d;
    if (!ok) return INVALID;
  }
  return index;
}

/**
 * Refuse a handshake: write a complete HTTP error response
 * ({@link buildRejectResponse}) in one write, end our side, and destroy the
 * socket after `gracePeriod` ms if the client has not closed by then.
 *
 * Until it closes, whatever the client still sends is read and discarded:
 * closing with unread data would make the kernel send a reset, which can
 * destroy the response before the client reads it (RFC 9112 §9.6 "lingering
 * close"). Errors on the socket from here on are swallowed: it is being
 * discarded. A socket that is already destroyed is left alone; one that can
 * no longer be written is destroyed at once.
 *
 * @throws {RangeError} / {TypeError} as {@link buildRejectResponse}, before
 * touching the socket.
 */
export function rejectConnection(
  socket: Socket,
  status: number,
  message?: string,
  headers?: OutgoingHeaders,
  gracePeriod = DEFAULT_REJECT_GRACE_PERIOD,
): void {
  const response = buildRejectResponse(status, message, headers);
  if (socket.destroyed) return;
  socket.on('error', noop);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), gracePeriod);
  // Do not keep the process alive just to wait for a refused client.
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.end(response);
  socket.resume();
}

/**
 * Adapt a node:http `'upgrade'` event's request to a {@link RequestHead}, so
 * the same {@link validateClientRequest} serves `http.Server` integrations:
 *
 * ```ts
 * server.on('upgrade', (req, socket, head) => {
 *   const request = validateClientRequest(requestHeadFromIncomingMessage(req));
 *   ...
 * });
 * ```
 *
 * Headers are rebuilt from `req.rawHeaders` rather than `req.headers`:
 * node:http keeps only the first of some repeated fields (Host, among
 * others), which would hide a request with two Host fields; here repeated
 * fields are joined with `, ` as {@link HttpHeadReader} does.
 */
export function requestHeadFromIncomingMessage(req: IncomingMessage): RequestHead {
  const rawHeaders: [string, string][] = [];
  const headers: HeaderMap = Object.create(null) as HeaderMap;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    rawHeaders.push([name, value]);
    const key = name.toLowerCase();
    const existing = headers[key];
    headers[key] = existing === undefined ? value : `${existing}, ${value}`;
  }
  return { kind: 'request', method: req.method ?? '', target: req.url ?? '', httpVersion: req.httpVersion, headers, rawHeaders };
}
