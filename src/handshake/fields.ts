/**
 * Writing header fields safely: the one place where caller-supplied header
 * names and values are checked before they go on the wire, for the client's
 * request and the server's responses alike.
 *
 * Two rules, both about not letting a caller (or whoever fills the caller's
 * header object) change the shape of the handshake:
 * - no header injection: names are tokens, values are visible US-ASCII, SP or
 *   HTAB — no CR, LF, NUL or other control characters (RFC 9110 §5.5);
 * - no overriding: a field the handshake writes itself (Upgrade,
 *   Sec-WebSocket-Accept, Content-Length, …) cannot be replaced or repeated,
 *   except the few each builder names as overridable (the client's Host and
 *   Origin).
 *
 * Errors name the offending header but never include its value, which may be
 * a credential (Authorization, Cookie).
 */
import { isToken } from './http-head.js';

/**
 * Extra header fields supplied by the caller. A list value writes one field
 * line per element, in order (needed for `Set-Cookie`, RFC 6265 §3, which
 * cannot be combined into one line).
 */
export type OutgoingHeaders = Readonly<Record<string, string | readonly string[]>>;

/** A field to write: `[name as written, value]`. */
export type Field = [name: string, value: string];

/**
 * Whether `value` may be written as a field value: visible US-ASCII, SP and
 * HTAB only. RFC 9110 §5.5 also allows obs-text (bytes 0x80–0xFF), but
 * "a sender SHOULD NOT generate" it and peers read it as different
 * characters, so builders refuse it; every builder's output is then pure
 * ASCII, and writing it as UTF-8 or Latin-1 gives the same bytes.
 */
export function isSafeFieldValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x7e || (c < 0x20 && c !== 0x09)) return false;
  }
  return true;
}

/**
 * Throw a TypeError unless `value` is a safe value for the field `name`.
 * The message names the field, never the value.
 */
export function assertFieldValue(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`The value of header ${name} must be a string`);
  if (!isSafeFieldValue(value)) {
    throw new TypeError(`Invalid value for header ${name}: only visible ASCII characters, space and tab are allowed (no CR, LF or NUL)`);
  }
}

/** Which of the builder's own fields a caller may replace, and which names it may not use at all. */
export interface FieldRules {
  /** Lower-cased names of own fields the caller may replace (e.g. `host`, `origin`). */
  readonly overridable?: ReadonlySet<string>;
  /** Names the caller may never send, own fields or not (lower-cased name in, true if reserved). */
  readonly reserved?: (lowerName: string) => boolean;
}

/**
 * The names a caller's extra headers may never use, on either side of the
 * handshake: the upgrade's own fields (Upgrade, Connection, every
 * `Sec-WebSocket-*`, RFC 6455 §4.1/§4.2.2) and the two that would announce a
 * body, which an upgrade request or a 101 must not have. Lower-cased name in.
 */
export function isHandshakeOwnedField(lower: string): boolean {
  return lower === 'upgrade' || lower === 'connection' || lower.startsWith('sec-websocket-') ||
    lower === 'content-length' || lower === 'transfer-encoding';
}

/**
 * Merge the caller's `headers` into the builder's own `fields` (in place) and
 * return them. An overridable own field takes the caller's value in its
 * original position, under the caller's spelling of the name; other caller
 * fields are appended in the order given.
 *
 * @throws {TypeError} for a name that is not a token, an unsafe value, a name
 * given twice (names compare case-insensitively), a reserved name, or an own
 * field that is not overridable; the message names the header.
 */
export function mergeHeaders(fields: Field[], headers: OutgoingHeaders | undefined, rules: FieldRules = {}): Field[] {
  if (headers === undefined) return fields;
  const own = new Map<string, number>();
  for (const [i, [name]] of fields.entries()) own.set(name.toLowerCase(), i);
  const seen = new Set<string>();
  for (const name of Object.keys(headers)) {
    if (!isToken(name)) throw new TypeError(`Invalid header name ${JSON.stringify(name)}`);
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw new TypeError(`Header ${name} is given twice (header names are case-insensitive)`);
    seen.add(lower);
    const value = headers[name];
    const ownIndex = own.get(lower);
    if (rules.reserved?.(lower) === true || (ownIndex !== undefined && rules.overridable?.has(lower) !== true)) {
      throw new TypeError(`Header ${name} is set by the WebSocket handshake and cannot be overridden`);
    }
    if (ownIndex !== undefined) {
      // Overridable own fields (Host, Origin) are single-valued.
      assertFieldValue(name, value);
      fields[ownIndex] = [name, value];
      continue;
    }
    if (Array.isArray(value)) {
      for (const element of value as readonly unknown[]) {
        assertFieldValue(name, element);
        fields.push([name, element]);
      }
    } else {
      assertFieldValue(name, value);
      fields.push([name, value]);
    }
  }
  return fields;
}

/** `Name: value\r\n` for each field, then the empty line that ends the head. */
export function serializeFields(fields: readonly Field[]): string {
  let text = '';
  for (const [name, value] of fields) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}
