/**
 * The client's side of the opening handshake as pure functions (RFC 6455
 * §4.1): check the subprotocols a script asks for, build the request head,
 * and decide whether the server's response head establishes the connection.
 * No sockets here — ./client-connect.ts does the I/O around them.
 */
import { computeAcceptKey, isValidClientKey } from './accept-key.js';
import { HandshakeError, type HandshakeErrorCode } from './errors.js';
import { assertFieldValue, type Field, isHandshakeOwnedField, mergeHeaders, type OutgoingHeaders, serializeFields } from './fields.js';
import { equalsIgnoringAsciiCase, hasToken, HeaderSyntaxError, parseExtensionHeader } from './headers.js';
import { isToken, type ResponseHead } from './http-head.js';
import type { WebSocketUrl } from './url.js';

/**
 * Validate the `protocols` argument of the WebSocket constructor (WHATWG
 * WebSocket constructor steps: "If protocols is a string, set protocols to a
 * sequence consisting of just that string. If any of the values in protocols
 * occur more than once or otherwise fail to match the requirements for
 * elements that comprise the value of `Sec-WebSocket-Protocol` fields ...,
 * throw a SyntaxError").
 *
 * Each value must be an RFC 9110 token (RFC 6455 §4.1: characters U+0021 to
 * U+007E excluding separators); `''` is not one. Duplicates are compared
 * exactly (case-sensitively), as the spec's "occur more than once" reads and
 * as browsers do.
 *
 * @returns a fresh array of the protocols, `[]` for `undefined`.
 * @throws {DOMException} named `SyntaxError`.
 */
export function validateProtocols(protocols: string | readonly string[] | undefined): string[] {
  if (protocols === undefined) return [];
  const list = typeof protocols === 'string' ? [protocols] : [...protocols];
  const seen = new Set<string>();
  for (const protocol of list) {
    if (typeof protocol !== 'string' || !isToken(protocol)) {
      throw new DOMException(`Invalid subprotocol ${JSON.stringify(protocol)}: it must be a non-empty token`, 'SyntaxError');
    }
    if (seen.has(protocol)) throw new DOMException(`Subprotocol ${JSON.stringify(protocol)} is given more than once`, 'SyntaxError');
    seen.add(protocol);
  }
  return list;
}

/** Inputs of {@link buildClientRequest}. */
export interface ClientRequestOptions {
  /** Where to connect; gives the request-target and Host. */
  readonly url: WebSocketUrl;
  /** The `Sec-WebSocket-Key`: a fresh {@link createClientKey} per connection (RFC 6455 §4.1 item 7). */
  readonly key: string;
  /** Subprotocols to offer, in order of preference, already checked by {@link validateProtocols}. Default none. */
  readonly protocols?: readonly string[];
  /**
   * The `Sec-WebSocket-Extensions` offer, as the extension layer formatted it
   * (e.g. with {@link formatExtensionHeader}). Omitted when absent or `''`.
   */
  readonly extensions?: string;
  /** The `Origin` header (RFC 6455 §4.1 item 8, §10.2). Omitted when absent. */
  readonly origin?: string;
  /**
   * Extra header fields. They cannot replace or repeat the handshake's own
   * fields (Upgrade, Connection, any `Sec-WebSocket-*`), nor add a body
   * (Content-Length, Transfer-Encoding); `Host`, `Origin` and `Authorization`
   * may be replaced.
   */
  readonly headers?: OutgoingHeaders;
  /**
   * Send the URL's credentials even over unencrypted `ws:`. Default false: a
   * `ws://user:pass@host/` URL fails with `WS_ERR_INSECURE_CREDENTIALS`
   * instead of putting the password on the wire in clear text.
   */
  readonly allowInsecureCredentials?: boolean;
}

const CLIENT_OVERRIDABLE: ReadonlySet<string> = new Set(['host', 'origin', 'authorization']);

/**
 * Build the opening handshake request head (RFC 6455 §4.1), ending with the
 * empty line, as one string to write in one write. The string is pure ASCII.
 *
 * ```
 * GET /chat HTTP/1.1
 * Host: server.example.com
 * Upgrade: websocket
 * Connection: Upgrade
 * Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
 * Sec-WebSocket-Version: 13
 * Sec-WebSocket-Protocol: chat, superchat      (when offered)
 * Sec-WebSocket-Extensions: permessage-deflate (when offered)
 * Origin: http://example.com                   (when given)
 * Authorization: Basic ...                     (when the URL has credentials)
 * ...extra headers
 * ```
 *
 * Credentials in the URL become `Authorization: Basic` (RFC 7617, UTF-8)
 * unless the caller supplies its own `Authorization` header. They are only
 * sent over `wss:` or `ws+unix:` (a local socket), unless
 * `allowInsecureCredentials` is set.
 *
 * @throws {HandshakeError} `WS_ERR_INSECURE_CREDENTIALS` (status 0) for URL
 * credentials over plain `ws:`.
 * @throws {TypeError} for an invalid key, extension offer, origin or extra
 * header (injection, override, duplicate); messages name the header, never
 * its value.
 * @throws {DOMException} `SyntaxError` for invalid protocols.
 */
export function buildClientRequest(options: ClientRequestOptions): string {
  const { url, key } = options;
  if (!isValidClientKey(key)) throw new TypeError('Invalid Sec-WebSocket-Key: it must be 16 bytes in base64');
  const protocols = validateProtocols(options.protocols);
  // RFC 6455 §4.1 items 1-6 and 9: request line, Host, Upgrade, Connection, key, version.
  const fields: Field[] = [
    ['Host', url.hostHeader],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', key],
    ['Sec-WebSocket-Version', '13'],
  ];
  // §4.1 item 10: the subprotocols, in order of preference.
  if (protocols.length > 0) fields.push(['Sec-WebSocket-Protocol', protocols.join(', ')]);
  // §4.1 item 11: the extensions.
  if (options.extensions !== undefined && options.extensions !== '') {
    assertFieldValue('Sec-WebSocket-Extensions', options.extensions);
    try {
      parseExtensionHeader(options.extensions);
    } catch (error) {
      throw new TypeError(`Invalid Sec-WebSocket-Extensions offer: ${(error as HeaderSyntaxError).message}`, { cause: error });
    }
    fields.push(['Sec-WebSocket-Extensions', options.extensions]);
  }
  // §4.1 item 8: browsers always send Origin; other clients may.
  if (options.origin !== undefined) {
    assertFieldValue('Origin', options.origin);
    fields.push(['Origin', options.origin]);
  }
  const userAuthorization = options.headers !== undefined && Object.keys(options.headers).some((name) => name.toLowerCase() === 'authorization');
  if ((url.username !== '' || url.password !== '') && !userAuthorization) {
    if (!url.secure && url.socketPath === undefined && options.allowInsecureCredentials !== true) {
      throw new HandshakeError(
        'WS_ERR_INSECURE_CREDENTIALS',
        'Refusing to send the URL\'s credentials over unencrypted ws:; use wss: or set allowInsecureCredentials',
        0,
      );
    }
    fields.push(['Authorization', `Basic ${Buffer.from(`${url.username}:${url.password}`, 'utf8').toString('base64')}`]);
  }
  mergeHeaders(fields, options.headers, { overridable: CLIENT_OVERRIDABLE, reserved: isHandshakeOwnedField });
  return `GET ${url.resource} HTTP/1.1\r\n${serializeFields(fields)}`;
}

/** What the client offered, for {@link validateServerResponse}. */
export interface ClientOffer {
  /** The `Sec-WebSocket-Key` that was sent. */
  readonly key: string;
  /** The subprotocols offered (`[]` for none). */
  readonly protocols: readonly string[];
  /** The names of the extensions offered (`[]` for none). */
  readonly extensions: readonly string[];
}

/** What the server's 101 response established. */
export interface ServerAgreement {
  /** The subprotocol the server selected, `''` for none (the API's `protocol` attribute). */
  readonly protocol: string;
  /** The response's `Sec-WebSocket-Extensions` value, `''` when absent (the API's `extensions` attribute). */
  readonly extensions: string;
}

/**
 * Validate the server's response head against what the client offered, in the
 * order of RFC 6455 §4.1 ("the client MUST validate the server's response as
 * follows"); the first failure is thrown:
 *
 * 1. status 101 — otherwise `WS_ERR_UNEXPECTED_STATUS`, with `status` set to
 *    the response's (redirects are handled by the caller before this);
 * 2. `Upgrade` is `websocket`, ASCII case-insensitively — `WS_ERR_INVALID_UPGRADE_HEADER`;
 * 3. `Connection` contains the token `upgrade`, ASCII case-insensitively
 *    (a list such as `keep-alive, Upgrade` is accepted, as browsers do) —
 *    `WS_ERR_INVALID_CONNECTION_HEADER`;
 * 4. `Sec-WebSocket-Accept` equals the accept key of our key — `WS_ERR_INVALID_ACCEPT`;
 * 5. `Sec-WebSocket-Extensions`, when present, parses
 *    (`WS_ERR_INVALID_EXTENSION_HEADER`) and names only extensions we offered,
 *    each at most once (`WS_ERR_UNEXPECTED_EXTENSION`: one extension cannot
 *    be in use twice on a connection); an empty value does not parse;
 * 6. `Sec-WebSocket-Protocol`, when present, is exactly one of the offered
 *    subprotocols (case-sensitive; a list of several matches none) —
 *    `WS_ERR_UNEXPECTED_PROTOCOL`. Its absence is fine even when we offered
 *    some: the server chose none.
 *
 * Every error's `status` is the response's status.
 *
 * @throws {HandshakeError}
 */
export function validateServerResponse(head: ResponseHead, offer: ClientOffer): ServerAgreement {
  const fail = (code: HandshakeErrorCode, message: string): HandshakeError =>
    new HandshakeError(code, message, head.status);
  const h = head.headers;
  // §4.1 item 1: "If the status code received from the server is not 101, the
  // client handles the response per HTTP procedures."
  if (head.status !== 101) throw fail('WS_ERR_UNEXPECTED_STATUS', `Unexpected server response status ${head.status} (expected 101 Switching Protocols)`);
  // §4.1 item 2: "an |Upgrade| header field ... that is not an ASCII case-insensitive match for the value 'websocket'" fails.
  const upgrade = h['upgrade'];
  if (upgrade === undefined || !equalsIgnoringAsciiCase(upgrade, 'websocket')) {
    throw fail('WS_ERR_INVALID_UPGRADE_HEADER', upgrade === undefined ? 'The response has no Upgrade header' : 'The response\'s Upgrade header is not "websocket"');
  }
  // §4.1 item 3: Connection must name "Upgrade".
  if (!hasToken(h['connection'], 'upgrade')) throw fail('WS_ERR_INVALID_CONNECTION_HEADER', 'The response\'s Connection header does not contain "Upgrade"');
  // §4.1 item 4: Sec-WebSocket-Accept must be base64(SHA-1(key + GUID)).
  const accept = h['sec-websocket-accept'];
  if (accept === undefined) throw fail('WS_ERR_INVALID_ACCEPT', 'The response has no Sec-WebSocket-Accept header');
  if (accept !== computeAcceptKey(offer.key)) throw fail('WS_ERR_INVALID_ACCEPT', 'The response\'s Sec-WebSocket-Accept does not match the key sent');
  // §4.1 item 5: every extension in use must have been offered.
  const extensions = h['sec-websocket-extensions'];
  if (extensions !== undefined) {
    let accepted;
    try {
      accepted = parseExtensionHeader(extensions);
    } catch (error) {
      throw new HandshakeError('WS_ERR_INVALID_EXTENSION_HEADER', `Invalid Sec-WebSocket-Extensions in the response: ${(error as Error).message}`, head.status, { cause: error });
    }
    // Extension names are compared ignoring ASCII case, as servers match them (tokens).
    const offered = new Set(offer.extensions.map((name) => name.toLowerCase()));
    const seen = new Set<string>();
    for (const { name } of accepted) {
      const key = name.toLowerCase();
      if (!offered.has(key)) throw fail('WS_ERR_UNEXPECTED_EXTENSION', `The server accepted extension "${name}", which was not offered`);
      if (seen.has(key)) throw fail('WS_ERR_UNEXPECTED_EXTENSION', `The server accepted extension "${name}" more than once`);
      seen.add(key);
    }
  }
  // §4.1 item 6: a subprotocol must be one the client offered.
  const protocol = h['sec-websocket-protocol'];
  if (protocol !== undefined) {
    if (offer.protocols.length === 0) throw fail('WS_ERR_UNEXPECTED_PROTOCOL', 'The server selected a subprotocol, but none was offered');
    if (!offer.protocols.includes(protocol)) throw fail('WS_ERR_UNEXPECTED_PROTOCOL', `The server selected a subprotocol that was not offered: ${JSON.stringify(protocol.slice(0, 64))}`);
  }
  return { protocol: protocol ?? '', extensions: extensions ?? '' };
}
