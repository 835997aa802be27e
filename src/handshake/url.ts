/**
 * WebSocket URLs: the WHATWG WebSocket constructor's URL steps, plus Node's
 * `ws+unix:` scheme for Unix domain sockets, turned into the fields the
 * client handshake needs (where to connect, what to put in the request line
 * and in Host).
 *
 * Parsing itself is the WHATWG URL parser (`URL`), the same one browsers use,
 * so `ws://EXAMPLE.com:80/a/../b` is `ws://example.com/b` here as there.
 */

/**
 * A parsed WebSocket URL.
 *
 * For `ws:`/`wss:` every field describes a TCP endpoint; for `ws+unix:`
 * `socketPath` is set, `hostname` is `''`, `port` is 0 and `hostHeader` is
 * `localhost`.
 */
export interface WebSocketUrl {
  /** The serialized URL after `http(s):` was mapped to `ws(s):` — the WebSocket API's `url` attribute. */
  readonly href: string;
  /** Whether the connection uses TLS (`wss:`). */
  readonly secure: boolean;
  /** The host to connect to: a domain (IDNA/punycode), an IPv4 address, or an IPv6 address without brackets. */
  readonly hostname: string;
  /** The port to connect to: the URL's, or 80 for `ws:` and 443 for `wss:`. */
  readonly port: number;
  /** The request-target: path and query, `/` when the path is empty (RFC 6455 §3 "resource-name"). */
  readonly resource: string;
  /** The `Host` header value: host, IPv6 in brackets, and the port when it is not the scheme's default (RFC 6455 §4.1 item 4). */
  readonly hostHeader: string;
  /** The Unix domain socket to connect to, for `ws+unix:` URLs (percent-decoded). */
  readonly socketPath?: string;
  /** User name from the URL, percent-decoded; `''` when there is none. */
  readonly username: string;
  /** Password from the URL, percent-decoded; `''` when there is none. */
  readonly password: string;
}

function syntaxError(message: string): DOMException {
  return new DOMException(message, 'SyntaxError');
}

/**
 * Parse a WebSocket URL following the WHATWG WebSocket constructor
 * (https://websockets.spec.whatwg.org/#dom-websocket-websocket, "get a URL
 * record"):
 * 1. parse `url` against `base` with the URL parser; failure → SyntaxError;
 * 2. `http:` becomes `ws:` and `https:` becomes `wss:`;
 * 3. any other scheme than `ws:`/`wss:` → SyntaxError;
 * 4. a URL with a fragment — even an empty one, `ws://h/#` — → SyntaxError.
 *
 * Node extension: `ws+unix:/path/to/socket.sock:/request/path?query` connects
 * to a Unix domain socket. The socket path is everything before the first
 * `:` in the URL's path and the request path everything after it (`/` when
 * absent; a leading `/` is added when missing). The socket path is
 * percent-decoded, since the URL parser encodes characters such as spaces;
 * a `ws+unix:` URL with a host (`ws+unix://host/...`) is rejected rather than
 * silently ignoring the host. There is no `wss+unix:`.
 *
 * The resource name follows RFC 6455 §3: an empty query (`ws://h/?`) is
 * dropped, because the RFC adds "?" only "if the query component is
 * non-empty".
 *
 * Error messages do not repeat the URL: it may carry credentials or tokens.
 *
 * @throws {DOMException} named `SyntaxError` for every rejected URL.
 */
export function parseWebSocketUrl(url: string | URL, base?: string): WebSocketUrl {
  let parsed: URL;
  try {
    parsed = new URL(String(url), base);
  } catch {
    throw syntaxError('Invalid WebSocket URL: it could not be parsed');
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  const scheme = parsed.protocol;
  if (scheme !== 'ws:' && scheme !== 'wss:' && scheme !== 'ws+unix:') {
    throw syntaxError(`Invalid WebSocket URL: the scheme must be ws:, wss:, http:, https: or ws+unix:, not ${JSON.stringify(scheme)}`);
  }
  // The serializer writes "#" exactly when the fragment is non-null; "#" in
  // any other component is percent-encoded by the parser.
  if (parsed.href.includes('#')) throw syntaxError('Invalid WebSocket URL: it must not contain a fragment');
  return scheme === 'ws+unix:' ? unixUrl(parsed) : tcpUrl(parsed, scheme === 'wss:');
}

function tcpUrl(parsed: URL, secure: boolean): WebSocketUrl {
  const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return {
    href: parsed.href,
    secure,
    hostname,
    port: parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port),
    // Special-scheme URLs always have a path of at least "/".
    resource: parsed.pathname + parsed.search,
    // URL.host omits the port when it is the scheme's default, as RFC 6455 §4.1 item 4 allows.
    hostHeader: parsed.host,
    username: percentDecode(parsed.username),
    password: percentDecode(parsed.password),
  };
}

function unixUrl(parsed: URL): WebSocketUrl {
  if (parsed.host !== '') throw syntaxError('Invalid ws+unix: URL: it must not have a host (ws+unix:/path/to/socket:/request/path)');
  const path = parsed.pathname;
  const colon = path.indexOf(':');
  const socketPath = percentDecode(colon < 0 ? path : path.slice(0, colon));
  let requestPath = colon < 0 ? '/' : path.slice(colon + 1);
  if (!requestPath.startsWith('/')) requestPath = `/${requestPath}`;
  if (socketPath === '' || socketPath.includes('\0')) {
    throw syntaxError('Invalid ws+unix: URL: the socket path is empty or contains NUL');
  }
  return {
    href: parsed.href,
    secure: false,
    hostname: '',
    port: 0,
    resource: requestPath + parsed.search,
    // What node:http sends for socketPath requests; servers behind a Unix socket rarely care.
    hostHeader: 'localhost',
    socketPath,
    username: '',
    password: '',
  };
}

/**
 * WHATWG URL "percent-decode" followed by UTF-8 decoding: `%XX` sequences
 * become bytes, malformed ones are kept as they are, invalid UTF-8 becomes
 * U+FFFD.
 */
function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  const bytes = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const high = b === 0x25 ? hexValue(bytes[i + 1]) : -1;
    const low = high < 0 ? -1 : hexValue(bytes[i + 2]);
    if (low < 0) {
      out[length++] = b;
    } else {
      out[length++] = (high << 4) | low;
      i += 2;
    }
  }
  return out.toString('utf8', 0, length);
}

function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * The endpoint of a URL for error messages: scheme and authority only
 * (`wss://example.com:8443`) or the socket path — never the credentials,
 * path or query, which may carry secrets.
 */
export function describeEndpoint(url: WebSocketUrl): string {
  return url.socketPath === undefined ? `${url.secure ? 'wss' : 'ws'}://${url.hostHeader}` : `ws+unix:${url.socketPath}`;
}

/**
 * Whether two URLs reach the same endpoint with the same security: same
 * scheme, host and port (the URL's origin), or the same Unix socket. Used to
 * decide whether credentials may follow a redirect.
 */
export function isSameEndpoint(a: WebSocketUrl, b: WebSocketUrl): boolean {
  if (a.socketPath !== undefined || b.socketPath !== undefined) return a.socketPath === b.socketPath;
  return a.secure === b.secure && a.hostname === b.hostname && a.port === b.port;
}
