/**
 * The server's side of the opening handshake as pure functions (RFC 6455
 * §4.2): validate a client's request head, and build the response — the 101
 * that accepts it or a complete HTTP error response that refuses it. No
 * sockets here — ./server-accept.ts does the I/O around them.
 */
import { computeAcceptKey, isValidClientKey } from './accept-key.js';
import { HandshakeError, type HandshakeErrorCode } from './errors.js';
import { assertFieldValue, type Field, isHandshakeOwnedField, mergeHeaders, type OutgoingHeaders, serializeFields } from './fields.js';
import { type ExtensionOffer, hasToken, HeaderSyntaxError, parseExtensionHeader, parseProtocolHeader } from './headers.js';
import { isToken, type RequestHead } from './http-head.js';

/** The fields of a valid opening handshake request that the server acts on. */
export interface HandshakeRequest {
  /** `Sec-WebSocket-Key`, to compute the accept key from. */
  readonly key: string;
  /** Subprotocols the client offered, in its order of preference (`[]` for none). */
  readonly protocols: string[];
  /** Extensions the client offered, in order, fallbacks included (`[]` for none). */
  readonly extensions: ExtensionOffer[];
  /** The `Origin` header, when sent (RFC 6455 §10.2: check it to refuse cross-origin pages). */
  readonly origin: string | undefined;
  /** The resource name: path and query of the request-target (origin-form, also when sent in absolute-form). */
  readonly resource: string;
  /** The `Host` header. */
  readonly host: string;
}

function reject(code: HandshakeErrorCode, message: string, status = 400): HandshakeError {
  return new HandshakeError(code, message, status);
}

/**
 * Validate an opening handshake request (RFC 6455 §4.2.1), in this order;
 * the first failure is thrown as a {@link HandshakeError} whose `status` is
 * the HTTP status to answer with (see {@link buildRejectResponse}):
 *
 * | check | status | code |
 * | --- | --- | --- |
 * | method is `GET` (item 1) | 405, answered with `Allow: GET` (RFC 9110 §15.5.6) | `WS_ERR_INVALID_METHOD` |
 * | HTTP/1.1 or later (item 1) | 400 | `WS_ERR_INVALID_HTTP_VERSION` |
 * | request-target in origin-form, or absolute-form (RFC 9112 §3.2.2) | 400 | `WS_ERR_MALFORMED_HTTP` |
 * | exactly one non-empty `Host` (item 2; RFC 9112 §3.2: 400 for several) | 400 | `WS_ERR_MISSING_HOST` / `WS_ERR_MALFORMED_HTTP` |
 * | `Upgrade` contains the token `websocket`, case-insensitive (item 3) | 400 | `WS_ERR_INVALID_UPGRADE_HEADER` |
 * | `Connection` contains the token `upgrade`, case-insensitive (item 4) | 400 | `WS_ERR_INVALID_CONNECTION_HEADER` |
 * | no body: no `Transfer-Encoding`, `Content-Length` absent or 0 | 400 | `WS_ERR_UNEXPECTED_BODY` |
 * | `Sec-WebSocket-Version` is exactly `13` (item 6), also when absent | 426, answered with `Sec-WebSocket-Version: 13` (§4.4) | `WS_ERR_UNSUPPORTED_VERSION` |
 * | `Sec-WebSocket-Key` is 16 bytes in base64 (item 5) | 400 | `WS_ERR_INVALID_KEY` |
 * | `Sec-WebSocket-Protocol` parses, values unique (item 8, §4.1) | 400 | `WS_ERR_INVALID_PROTOCOL_HEADER` |
 * | `Sec-WebSocket-Extensions` parses (item 9, §9.1) | 400 | `WS_ERR_INVALID_EXTENSION_HEADER` |
 *
 * Decisions: a non-GET method is 405 rather than 400 because the request is
 * well-formed, just not for this resource, and HTTP has a status saying
 * exactly that. The version is checked before the key so that a client
 * speaking another protocol version (§4.4) learns which version we speak
 * rather than being told its key is wrong. A request with a body is refused
 * because the bytes after the head must be WebSocket frames; a body would be
 * read as frames.
 *
 * Not checked here (the server's policy, not the protocol's): the resource
 * (404), the Origin (403), which subprotocol or extensions to accept.
 *
 * @throws {HandshakeError}
 */
export function validateClientRequest(head: RequestHead): HandshakeRequest {
  const h = head.headers;
  // §4.2.1 item 1: "An HTTP/1.1 or higher GET request".
  if (head.method !== 'GET') throw reject('WS_ERR_INVALID_METHOD', 'The opening handshake must be a GET request', 405);
  if (!isHttp11OrLater(head.httpVersion)) throw reject('WS_ERR_INVALID_HTTP_VERSION', 'The opening handshake must be HTTP/1.1 or later');
  const resource = resourceOf(head.target);
  if (resource === undefined) throw reject('WS_ERR_MALFORMED_HTTP', 'Invalid request-target: expected a path such as /chat');
  // §4.2.1 item 2: "A |Host| header field containing the server's authority."
  const hosts = countFields(head, 'host');
  if (hosts > 1) throw reject('WS_ERR_MALFORMED_HTTP', 'More than one Host header');
  const host = h['host'];
  if (host === undefined || host === '') throw reject('WS_ERR_MISSING_HOST', 'Missing Host header');
  // §4.2.1 items 3-4.
  if (!hasToken(h['upgrade'], 'websocket')) throw reject('WS_ERR_INVALID_UPGRADE_HEADER', 'The Upgrade header does not contain "websocket"');
  if (!hasToken(h['connection'], 'upgrade')) throw reject('WS_ERR_INVALID_CONNECTION_HEADER', 'The Connection header does not contain "Upgrade"');
  // The bytes after the head are frames; a body would be misread as frames.
  if (h['transfer-encoding'] !== undefined) throw reject('WS_ERR_UNEXPECTED_BODY', 'The opening handshake must not have a body (Transfer-Encoding)');
  const contentLength = h['content-length'];
  if (contentLength !== undefined && !isZero(contentLength)) {
    throw reject('WS_ERR_UNEXPECTED_BODY', 'The opening handshake must not have a body (Content-Length)');
  }
  // §4.2.1 item 6 and §4.2.2 / §4.4: an unknown version gets 426 and the versions we speak.
  if (h['sec-websocket-version'] !== '13') {
    throw reject('WS_ERR_UNSUPPORTED_VERSION', 'Unsupported or missing Sec-WebSocket-Version (this server speaks 13)', 426);
  }
  // §4.2.1 item 5: "a base64-encoded value that, when decoded, is 16 bytes in length". Two keys join into one invalid value.
  const key = h['sec-websocket-key'];
  if (key === undefined || !isValidClientKey(key)) throw reject('WS_ERR_INVALID_KEY', 'Missing or invalid Sec-WebSocket-Key');
  // §4.2.1 item 8; §4.1: the values "MUST all be unique strings".
  const protocols = parseOrReject(h['sec-websocket-protocol'], parseProtocolHeader, 'WS_ERR_INVALID_PROTOCOL_HEADER', 'Sec-WebSocket-Protocol');
  if (new Set(protocols).size !== protocols.length) throw reject('WS_ERR_INVALID_PROTOCOL_HEADER', 'Invalid Sec-WebSocket-Protocol: a subprotocol is offered twice');
  // §4.2.1 item 9.
  const extensions = parseOrReject(h['sec-websocket-extensions'], parseExtensionHeader, 'WS_ERR_INVALID_EXTENSION_HEADER', 'Sec-WebSocket-Extensions');
  return { key, protocols, extensions, origin: h['origin'], resource, host };
}

function parseOrReject<T>(value: string | undefined, parse: (value: string) => T[], code: HandshakeErrorCode, name: string): T[] {
  if (value === undefined) return [];
  try {
    return parse(value);
  } catch (error) {
    throw new HandshakeError(code, `Invalid ${name}: ${(error as HeaderSyntaxError).message}`, 400, { cause: error });
  }
}

/** `1.1`, `1.2`, `2.0` … but not `1.0` or `0.9` (the reader guarantees one digit each side of the dot). */
function isHttp11OrLater(version: string): boolean {
  const major = version.charCodeAt(0) - 0x30;
  const minor = version.charCodeAt(2) - 0x30;
  return major > 1 || (major === 1 && minor >= 1);
}

/** The resource name of a request-target, or undefined when it is neither origin-form nor absolute-form. */
function resourceOf(target: string): string | undefined {
  if (target.startsWith('/')) return target;
  // absolute-form (RFC 9112 §3.2.2: "a server MUST accept the use of the
  // absolute-form"); only the schemes a WebSocket could be reached by.
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  const scheme = url.protocol;
  if (scheme !== 'http:' && scheme !== 'https:' && scheme !== 'ws:' && scheme !== 'wss:') return undefined;
  return url.pathname + url.search;
}

function countFields(head: RequestHead, lowerName: string): number {
  let count = 0;
  for (const [name] of head.rawHeaders) if (name.length === lowerName.length && name.toLowerCase() === lowerName) count++;
  return count;
}

/** A Content-Length of zero: digits only, all zeros (RFC 9110 §8.6; `0, 0` from repeated fields is not accepted). */
function isZero(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) !== 0x30) return false;
  return true;
}

/** Inputs of {@link buildAcceptResponse}. */
export interface AcceptResponseOptions {
  /** The client's `Sec-WebSocket-Key`. */
  readonly key: string;
  /**
   * The selected subprotocol — one the client offered; `''` or absent for
   * none (RFC 6455 §4.2.2 step 5.4 /subprotocol/).
   */
  readonly protocol?: string;
  /** The accepted extensions' `Sec-WebSocket-Extensions` value; `''` or absent for none. */
  readonly extensions?: string;
  /**
   * Extra header fields (e.g. `Set-Cookie` as a list). They cannot replace or
   * repeat the response's own fields (Upgrade, Connection, any
   * `Sec-WebSocket-*`), nor announce a body (Content-Length, Transfer-Encoding).
   */
  readonly headers?: OutgoingHeaders;
}

/**
 * Build the complete `101 Switching Protocols` response head that accepts a
 * handshake (RFC 6455 §4.2.2 step 5), ending with the empty line, as one
 * pure-ASCII string to write in one write:
 *
 * ```
 * HTTP/1.1 101 Switching Protocols
 * Upgrade: websocket
 * Connection: Upgrade
 * Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
 * Sec-WebSocket-Protocol: chat                 (when selected)
 * Sec-WebSocket-Extensions: permessage-deflate (when accepted)
 * ...extra headers
 * ```
 *
 * The caller is responsible for selecting a protocol the client offered and
 * extensions it offered; this function checks only their syntax.
 *
 * @throws {TypeError} for an invalid key, protocol (not a token), extensions
 * value or extra header.
 */
export function buildAcceptResponse(options: AcceptResponseOptions): string {
  if (!isValidClientKey(options.key)) throw new TypeError('Invalid Sec-WebSocket-Key: it must be 16 bytes in base64');
  const fields: Field[] = [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Accept', computeAcceptKey(options.key)],
  ];
  const { protocol, extensions } = options;
  if (protocol !== undefined && protocol !== '') {
    if (!isToken(protocol)) throw new TypeError(`Invalid subprotocol ${JSON.stringify(protocol)}: it must be a token`);
    fields.push(['Sec-WebSocket-Protocol', protocol]);
  }
  if (extensions !== undefined && extensions !== '') {
    assertFieldValue('Sec-WebSocket-Extensions', extensions);
    try {
      parseExtensionHeader(extensions);
    } catch (error) {
      throw new TypeError(`Invalid Sec-WebSocket-Extensions: ${(error as HeaderSyntaxError).message}`, { cause: error });
    }
    fields.push(['Sec-WebSocket-Extensions', extensions]);
  }
  mergeHeaders(fields, options.headers, { reserved: isHandshakeOwnedField });
  return `HTTP/1.1 101 Switching Protocols\r\n${serializeFields(fields)}`;
}

/** Reason phrases (RFC 9110 §15) for the statuses a handshake is refused with. */
const REASON_PHRASES: Readonly<Record<number, string>> = {
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 413: 'Content Too Large', 414: 'URI Too Long', 421: 'Misdirected Request',
  426: 'Upgrade Required', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** The standard reason phrase for `status`, `''` for statuses without one here. */
export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? '';
}

/**
 * Build a complete HTTP response that refuses a handshake, body included, as
 * one string to write in one write (as UTF-8, socket.write's default: the
 * head is ASCII, the body may not be):
 *
 * ```
 * HTTP/1.1 400 Bad Request
 * Connection: close
 * Content-Type: text/plain; charset=utf-8
 * Content-Length: 11
 *
 * Bad Request
 * ```
 *
 * - the body is `message`, or the reason phrase when absent;
 * - 426 adds `Sec-WebSocket-Version: 13` (RFC 6455 §4.4) and, since RFC 9110
 *   §15.5.22 says a 426 "MUST send an Upgrade header field",
 *   `Upgrade: websocket` with `Connection: Upgrade, close` (§7.8: an Upgrade
 *   field must be listed in Connection);
 * - 405 adds `Allow: GET` (RFC 9110 §15.5.6 "MUST generate an Allow header");
 * - `headers` add fields (e.g. `Location` for a 3xx, `WWW-Authenticate` for a
 *   401) but cannot replace or repeat the ones above, nor send
 *   Transfer-Encoding.
 *
 * `Connection: close` because the server closes the connection right after:
 * a refused handshake does not continue as HTTP.
 *
 * @throws {RangeError} unless `status` is an integer from 300 to 599 (a 1xx or
 * 2xx would not refuse anything).
 * @throws {TypeError} for an invalid extra header.
 */
export function buildRejectResponse(status: number, message?: string, headers?: OutgoingHeaders): string {
  if (!Number.isInteger(status) || status < 300 || status > 599) throw new RangeError(`Invalid status ${status} to refuse a handshake with: it must be 300-599`);
  const reason = reasonPhrase(status);
  const body = message ?? (reason === '' ? String(status) : reason);
  const fields: Field[] = [
    ['Connection', status === 426 ? 'Upgrade, close' : 'close'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body, 'utf8'))],
  ];
  if (status === 426) fields.push(['Upgrade', 'websocket'], ['Sec-WebSocket-Version', '13']);
  if (status === 405) fields.push(['Allow', 'GET']);
  mergeHeaders(fields, headers, { reserved: (lower) => lower === 'transfer-encoding' });
  return `HTTP/1.1 ${status} ${reason}\r\n${serializeFields(fields)}${body}`;
}
