/**
 * Message payloads for the socket benchmarks, exactly `size` bytes each:
 * - `binary`: bytes 0..255 repeating (sent as a binary message);
 * - `text`: ASCII letters (a text message; UTF-8 validation on receipt);
 * - `json`: JSON-like text — records with varying numbers and words, as an
 *   API would send — for the permessage-deflate rows (compressible like real
 *   traffic, not like one repeated byte).
 */
export type PayloadKind = 'binary' | 'text' | 'json';

export const PAYLOAD_KINDS: readonly PayloadKind[] = ['binary', 'text', 'json'];

export function isPayloadKind(value: string): value is PayloadKind {
  return (PAYLOAD_KINDS as readonly string[]).includes(value);
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

/** JSON-like ASCII text of exactly `size` bytes (a prefix of an array of records). */
export function jsonLike(size: number): string {
  const parts: string[] = ['['];
  let length = 1;
  // A small deterministic generator (no Math.random): the same bytes every run.
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let id = 0; length < size; id++) {
    const record = `{"id":${id},"user":"${WORDS[next() % WORDS.length]}-${next() % 10000}","score":${(next() % 100000) / 100},` +
      `"active":${next() % 2 === 0},"tags":["${WORDS[next() % WORDS.length]}","${WORDS[next() % WORDS.length]}"]},`;
    parts.push(record);
    length += record.length;
  }
  return parts.join('').slice(0, size);
}

/** The payload of one message: a Buffer for binary, a string for text. */
export function makePayload(kind: PayloadKind, size: number): Buffer | string {
  if (kind === 'binary') {
    const bytes = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) bytes[i] = i & 0xff;
    return bytes;
  }
  if (kind === 'text') return 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(size / 26)).slice(0, size);
  return jsonLike(size);
}
