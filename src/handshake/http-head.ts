/**
 * An incremental, size-limited reader for one HTTP/1.1 message head (the
 * request or status line and the header fields, up to the empty line), as
 * the opening handshake needs it on a raw socket (RFC 6455 §4, RFC 9112).
 *
 * It never buffers more than `maxHeaderBytes`, never uses a regular
 * expression on peer input, and returns the bytes that followed the head
 * (the first WebSocket frames, when the peer pipelined them) untouched.
 */
import { HandshakeError } from './errors.js';

/** Default limit on the size of a message head: 16 KiB. */
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

/** Default limit on the number of header fields: 100. */
export const DEFAULT_MAX_HEADER_COUNT = 100;

/**
 * Default time allowed for an opening handshake, on either side: 30 s (the
 * client's whole handshake; the server's wait for a request head).
 */
export const DEFAULT_HANDSHAKE_TIMEOUT = 30_000;

/** Header fields, names lower-cased, repeated fields joined with ", " (RFC 9110 §5.3). */
export type HeaderMap = Record<string, string>;

/** A parsed request head. */
export interface RequestHead {
  readonly kind: 'request';
  readonly method: string;
  /** The request-target as sent (origin-form: path and query). */
  readonly target: string;
  /** e.g. `1.1` */
  readonly httpVersion: string;
  readonly headers: HeaderMap;
  /** Every field in order as `[name, value]`, names as sent. */
  readonly rawHeaders: readonly (readonly [string, string])[];
}

/** A parsed response head. */
export interface ResponseHead {
  readonly kind: 'response';
  readonly httpVersion: string;
  readonly status: number;
  readonly statusText: string;
  readonly headers: HeaderMap;
  readonly rawHeaders: readonly (readonly [string, string])[];
}

export interface HttpHeadLimits {
  /** Largest head accepted, in bytes, terminator included. Default 16 KiB. */
  readonly maxHeaderBytes?: number;
  /** Most header fields accepted. Default 100. */
  readonly maxHeaderCount?: number;
}

/** The result of {@link HttpHeadReader.push} once the head is complete. */
export interface HeadResult<Head> {
  readonly head: Head;
  /** Bytes received after the head's terminating empty line. */
  readonly rest: Buffer;
}

/**
 * Reads one message head from a byte stream. Push chunks until a result
 * comes back; a {@link HandshakeError} is thrown for a malformed or oversized
 * head (status 400 or 431).
 */
export class HttpHeadReader<Head extends RequestHead | ResponseHead> {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  /** Where the search for the terminator resumes (no byte is scanned twice). */
  private scanned = 0;
  /** Consecutive line feeds seen at the scan position, ignoring CRs. */
  private newlines = 0;
  private done = false;
  private readonly maxHeaderBytes: number;
  private readonly maxHeaderCount: number;

  constructor(private readonly kind: Head['kind'], limits: HttpHeadLimits = {}) {
    this.maxHeaderBytes = limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.maxHeaderCount = limits.maxHeaderCount ?? DEFAULT_MAX_HEADER_COUNT;
  }

  /** Bytes buffered so far. */
  get bufferedBytes(): number {
    return this.size;
  }

  /** Feed bytes; returns the head and the leftover bytes once the head is complete. */
  push(chunk: Buffer): HeadResult<Head> | null {
    if (this.done) throw new Error('HttpHeadReader: the head was already read');
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Find the empty line that ends the head: CRLF CRLF, tolerating bare LF
    // line ends (RFC 9112 §2.2 allows a recipient to accept them).
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === 0x0a) {
        if (++this.newlines === 2) return this.finish(this.scanned + i + 1);
      } else if (b !== 0x0d) {
        this.newlines = 0;
      }
      if (this.scanned + i + 1 >= this.maxHeaderBytes) break;
    }
    this.scanned += chunk.length;
    if (this.scanned >= this.maxHeaderBytes) {
      throw new HandshakeError('WS_ERR_HEADER_TOO_LARGE', `HTTP head exceeds ${this.maxHeaderBytes} bytes`, 431);
    }
    return null;
  }

  private finish(headLength: number): HeadResult<Head> {
    this.done = true;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    const head = this.parse(all.toString('latin1', 0, headLength));
    return { head, rest: all.subarray(headLength) };
  }

  private parse(text: string): Head {
    const lines = splitLines(text);
    const startLine = lines[0] ?? '';
    const rawHeaders: [string, string][] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') break;
      const first = line.charCodeAt(0);
      if (first === 0x20 || first === 0x09) {
        // obs-fold (RFC 9112 §5.2): continue the previous field, replacing the fold with a space.
        const previous = rawHeaders[rawHeaders.length - 1];
        if (previous === undefined) throw malformed('header continuation line before any header');
        previous[1] = `${previous[1]} ${trimOws(line)}`;
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) throw malformed('header line without a field name');
      const name = line.slice(0, colon);
      if (!isToken(name)) throw malformed('invalid header field name');
      const value = trimOws(line.slice(colon + 1));
      if (!isFieldValue(value)) throw malformed(`invalid characters in header ${name}`);
      if (rawHeaders.length === this.maxHeaderCount) {
        throw new HandshakeError('WS_ERR_TOO_MANY_HEADERS', `more than ${this.maxHeaderCount} header fields`, 431);
      }
      rawHeaders.push([name, value]);
    }
    const headers: HeaderMap = Object.create(null) as HeaderMap;
    for (const [name, value] of rawHeaders) {
      const key = name.toLowerCase();
      const existing = headers[key];
      headers[key] = existing === undefined ? value : `${existing}, ${value}`;
    }
    return (this.kind === 'request' ? parseRequestLine(startLine, headers, rawHeaders) : parseStatusLine(startLine, headers, rawHeaders)) as Head;
  }
}

function malformed(what: string): HandshakeError {
  return new HandshakeError('WS_ERR_MALFORMED_HTTP', `Malformed HTTP head: ${what}`, 400);
}

/** Split on LF, dropping one CR before each LF; a CR anywhere else is an error. */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      const end = i > start && text.charCodeAt(i - 1) === 0x0d ? i - 1 : i;
      lines.push(text.slice(start, end));
      start = i + 1;
    } else if (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a) {
      throw malformed('bare CR');
    }
  }
  return lines;
}

function parseRequestLine(line: string, headers: HeaderMap, rawHeaders: [string, string][]): RequestHead {
  // request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
  const first = line.indexOf(' ');
  const second = first < 0 ? -1 : line.indexOf(' ', first + 1);
  if (first <= 0 || second <= first + 1 || line.indexOf(' ', second + 1) >= 0) throw malformed('invalid request line');
  const method = line.slice(0, first);
  const target = line.slice(first + 1, second);
  const httpVersion = parseVersion(line.slice(second + 1));
  if (!isToken(method)) throw malformed('invalid method');
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) throw malformed('invalid request target');
  }
  return { kind: 'request', method, target, httpVersion, headers, rawHeaders };
}

function parseStatusLine(line: string, headers: HeaderMap, rawHeaders: [string, string][]): ResponseHead {
  // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4)
  const first = line.indexOf(' ');
  if (first <= 0) throw malformed('invalid status line');
  const httpVersion = parseVersion(line.slice(0, first));
  const code = line.slice(first + 1, first + 4);
  if (code.length !== 3 || !isDigits(code) || (line.length > first + 4 && line.charCodeAt(first + 4) !== 0x20)) {
    throw malformed('invalid status code');
  }
  const statusText = line.slice(first + 5);
  if (!isFieldValue(statusText)) throw malformed('invalid reason phrase');
  return { kind: 'response', httpVersion, status: Number(code), statusText, headers, rawHeaders };
}

/** `HTTP/x.y` → `x.y` */
function parseVersion(text: string): string {
  if (text.length !== 8 || !text.startsWith('HTTP/') || text[6] !== '.' || !isDigits(text[5]!) || !isDigits(text[7]!)) {
    throw malformed('invalid HTTP version');
  }
  return text.slice(5);
}

function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return text.length > 0;
}

/** Optional whitespace (SP / HTAB) trimmed from both ends. */
function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === 0x20 || text.charCodeAt(start) === 0x09)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 0x20 || text.charCodeAt(end - 1) === 0x09)) end--;
  return text.slice(start, end);
}

/**
 * tchar (RFC 9110 §5.6.2): "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-"
 * / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA, as a lookup table.
 */
const TOKEN_CHARS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN_CHARS[c.charCodeAt(0)] = 1;

/** Whether the UTF-16 code unit `c` is a tchar (RFC 9110 §5.6.2). */
export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN_CHARS[c] === 1;
}

/** Whether `text` is a non-empty RFC 9110 token. */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || TOKEN_CHARS[c] !== 1) return false;
  }
  return true;
}

/** Whether `text` is a valid field value: visible characters, SP, HTAB and obs-text (RFC 9110 §5.5). */
function isFieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}
