/**
 * Fuzz target `handshake`: the opening handshake's parsers on hostile text —
 * HttpHeadReader (request and response heads, with random limits and
 * chunkings), validateClientRequest, validateServerResponse,
 * parseExtensionHeader, parseProtocolHeader, hasToken, negotiateDeflate and
 * acceptDeflateAnswer — fed mutations of valid heads and header values.
 *
 * Invariants: only the documented error classes are thrown, with the
 * documented statuses; the reader's result does not depend on chunking, never
 * buffers past its limit, finishes whenever the head's empty line is inside
 * the limit, and hands back exactly the bytes after the head; whatever a
 * server accepts, a client accepts back (101 round trip and
 * permessage-deflate agreement on both sides); values that parse survive a
 * format/parse round trip; no input of at most 64 KiB takes more than a
 * fraction of a second (no super-linear work, no backtracking).
 */
import assert from 'node:assert/strict';
import { isValidClientKey } from '../../../src/handshake/accept-key.js';
import { validateServerResponse } from '../../../src/handshake/client-request.js';
import { HandshakeError } from '../../../src/handshake/errors.js';
import { formatExtensionHeader, hasToken, HeaderSyntaxError, parseExtensionHeader, parseProtocolHeader, type ExtensionOffer } from '../../../src/handshake/headers.js';
import { HttpHeadReader, isToken, type RequestHead, type ResponseHead } from '../../../src/handshake/http-head.js';
import { acceptDeflateAnswer, negotiateDeflate, type PerMessageDeflateOptions } from '../../../src/handshake/permessage-deflate.js';
import { buildAcceptResponse, validateClientRequest } from '../../../src/handshake/server-request.js';
import { prng } from '../../support/frame-events.js';
import { mutate, randomChunks } from '../../support/frame-mutator.js';
import { acceptResponse } from '../../support/raw-peer.js';
import { int, randomBytes, type Random } from '../../support/traffic.js';
import type { FuzzTarget } from '../harness.js';

const HEAD_ERRORS = new Map([['WS_ERR_MALFORMED_HTTP', 400], ['WS_ERR_HEADER_TOO_LARGE', 431], ['WS_ERR_TOO_MANY_HEADERS', 431]]);
/** A single case slower than this is a defect (inputs are at most 64 KiB). */
const SLOW_MS = 250;

const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)]!;
const randomCase = (random: Random, text: string) => [...text].map((c) => (random() < 0.3 ? c.toUpperCase() : c)).join('');

function randomKey(random: Random): string {
  return randomBytes(random, 16).toString('base64');
}

/** A plausible permessage-deflate offer element (valid or slightly off). */
function deflateOffer(random: Random): string {
  const params: string[] = [];
  if (random() < 0.3) params.push('server_no_context_takeover');
  if (random() < 0.3) params.push('client_no_context_takeover');
  if (random() < 0.3) params.push(`server_max_window_bits=${pick(random, ['8', '9', '10', '12', '15', '"11"', '16', '09'])}`);
  if (random() < 0.4) params.push(random() < 0.5 ? 'client_max_window_bits' : `client_max_window_bits=${pick(random, ['8', '9', '11', '15', '"10"'])}`);
  if (random() < 0.05) params.push('x_unknown=1');
  return [random() < 0.9 ? 'permessage-deflate' : 'PerMessage-Deflate', ...params].join(random() < 0.8 ? '; ' : ';');
}

function extensionsValue(random: Random): string {
  const offers = Array.from({ length: 1 + int(random, 3) }, () => (random() < 0.8 ? deflateOffer(random) : pick(random, ['x-webkit-deflate-frame', 'foo; bar="baz"', 'a;b=c'])));
  return offers.join(random() < 0.8 ? ', ' : ',');
}

function protocolsValue(random: Random): string {
  return Array.from({ length: 1 + int(random, 4) }, () => pick(random, ['chat', 'superchat', 'v1.json', 'mqtt', 'x~y', 'graphql-ws'])).join(pick(random, [', ', ',', ' , ']));
}

/** A valid-looking request head, sometimes with obs-fold, bare LF and extra fields. */
function requestHead(random: Random): { text: string; key: string } {
  const key = randomKey(random);
  const eol = random() < 0.1 ? '\n' : '\r\n';
  const fields: [string, string][] = [
    ['Host', pick(random, ['example.com', '127.0.0.1:8080', '[::1]:9000', 'a.b'])],
    ['Upgrade', randomCase(random, pick(random, ['websocket', 'h2c, websocket']))],
    ['Connection', randomCase(random, pick(random, ['Upgrade', 'keep-alive, Upgrade', 'upgrade,']))],
    ['Sec-WebSocket-Key', key],
    ['Sec-WebSocket-Version', '13'],
  ];
  if (random() < 0.5) fields.push(['Sec-WebSocket-Protocol', protocolsValue(random)]);
  if (random() < 0.6) fields.push(['Sec-WebSocket-Extensions', extensionsValue(random)]);
  if (random() < 0.5) fields.push(['Origin', pick(random, ['https://app.example', 'null', 'http://localhost:3000'])]);
  for (let i = int(random, 6); i > 0; i--) fields.push([`X-Extra-${i}`, 'v'.repeat(int(random, 80))]);
  for (let i = fields.length - 1; i > 0; i--) {
    const j = int(random, i + 1);
    [fields[i], fields[j]] = [fields[j]!, fields[i]!];
  }
  const target = pick(random, ['/', '/chat?room=1', 'ws://example.com/abs', '/a/b/c?x=%20']);
  let text = `${random() < 0.95 ? 'GET' : 'POST'} ${target} HTTP/1.${random() < 0.95 ? 1 : 0}${eol}`;
  for (const [name, value] of fields) {
    text += random() < 0.05 ? `${name}:${eol} ${value}${eol}` : `${name}: ${value}${eol}`;
  }
  return { text: text + eol, key };
}

/** Mutations of head text: the byte mutator plus line-level ones (inserted separators, repeated lines, control bytes). */
function mutateHead(random: Random, head: Buffer): Buffer {
  let bytes = head;
  const rounds = 1 + int(random, 3);
  for (let r = 0; r < rounds; r++) {
    const kind = int(random, 5);
    const at = int(random, bytes.length + 1);
    if (kind === 0) {
      bytes = mutate(random, bytes);
    } else if (kind === 1) {
      const insert = Buffer.from([pick(random, [0x3a, 0x20, 0x09, 0x0d, 0x0a, 0x00, 0x7f, 0x80, 0xff, 0x2c, 0x3b, 0x3d, 0x22, 0x5c])]);
      bytes = Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at)]);
    } else if (kind === 2) {
      // Repeat a slice many times: long lines, many fields, long values.
      const end = Math.min(bytes.length, at + 1 + int(random, 40));
      const slice = bytes.subarray(at, end);
      bytes = Buffer.concat([bytes.subarray(0, end), Buffer.concat(Array.from({ length: 1 + int(random, 600) }, () => slice)), bytes.subarray(end)]);
    } else if (kind === 3) {
      bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + int(random, 8)))]);
    }
    // kind 4: leave as is
  }
  return bytes.length > 64 * 1024 ? bytes.subarray(0, 64 * 1024) : bytes;
}

type HeadOutcome = { kind: 'head'; head: RequestHead | ResponseHead; rest: Buffer } | { kind: 'error'; code: string } | { kind: 'incomplete' };

function readHead(kind: 'request' | 'response', chunks: readonly Buffer[], limits: { maxHeaderBytes: number; maxHeaderCount: number }): HeadOutcome {
  const reader = new HttpHeadReader<RequestHead | ResponseHead>(kind, limits);
  for (const [index, chunk] of chunks.entries()) {
    let result;
    try {
      result = reader.push(chunk);
    } catch (error) {
      assert.ok(error instanceof HandshakeError, `HttpHeadReader threw ${String(error)}`);
      assert.equal(HEAD_ERRORS.get(error.code), error.status, `HttpHeadReader: unexpected ${error.code}/${error.status}`);
      return { kind: 'error', code: error.code };
    }
    assert.ok(reader.bufferedBytes <= limits.maxHeaderBytes + chunk.length, `HttpHeadReader buffered ${reader.bufferedBytes} bytes (limit ${limits.maxHeaderBytes})`);
    // What follows the head: the rest of this chunk and every later chunk.
    if (result !== null) return { kind: 'head', head: result.head, rest: Buffer.concat([result.rest, ...chunks.slice(index + 1)]) };
  }
  return { kind: 'incomplete' };
}

/** Whether an empty line (LF, any CRs, LF) ends within the first `limit` bytes. */
function hasEmptyLineWithin(bytes: Buffer, limit: number): boolean {
  let newlines = 0;
  for (let i = 0; i < Math.min(bytes.length, limit); i++) {
    const b = bytes[i]!;
    if (b === 0x0a) {
      if (++newlines === 2) return true;
    } else if (b !== 0x0d) newlines = 0;
  }
  return false;
}

/** The rfc6455 client options that would have produced exactly `offer` (undefined if none could: 8-bit windows, unknown parameters). */
function clientOptionsFor(offer: ExtensionOffer): PerMessageDeflateOptions | undefined {
  const options: { -readonly [K in keyof PerMessageDeflateOptions]: PerMessageDeflateOptions[K] } = { clientMaxWindowBits: false };
  for (const [name, value] of offer.params) {
    const key = name.toLowerCase();
    const bits = typeof value === 'string' ? Number(value) : NaN;
    if (key === 'server_no_context_takeover' && value === true) options.serverNoContextTakeover = true;
    else if (key === 'client_no_context_takeover' && value === true) options.clientNoContextTakeover = true;
    else if (key === 'server_max_window_bits' && bits >= 9 && bits <= 15 && String(bits) === value) options.serverMaxWindowBits = bits;
    else if (key === 'client_max_window_bits' && value === true) options.clientMaxWindowBits = true;
    else if (key === 'client_max_window_bits' && bits >= 9 && bits <= 15 && String(bits) === value) options.clientMaxWindowBits = bits;
    else return undefined;
  }
  return options;
}

function checkRequest(head: RequestHead, random: Random): string {
  let request;
  try {
    request = validateClientRequest(head);
  } catch (error) {
    assert.ok(error instanceof HandshakeError, `validateClientRequest threw ${String(error)}`);
    assert.ok([400, 405, 426].includes(error.status), `validateClientRequest: status ${error.status} for ${error.code}`);
    return `request refused ${error.status}`;
  }
  assert.ok(isValidClientKey(request.key));
  assert.equal(new Set(request.protocols).size, request.protocols.length, 'duplicate subprotocols accepted');
  for (const protocol of request.protocols) assert.ok(isToken(protocol), `subprotocol ${JSON.stringify(protocol)} is not a token`);
  // The server's choice, as the client validates it.
  const serverOptions: PerMessageDeflateOptions = {
    ...(random() < 0.3 ? { serverNoContextTakeover: true } : {}),
    ...(random() < 0.3 ? { clientNoContextTakeover: true } : {}),
    ...(random() < 0.3 ? { serverMaxWindowBits: 9 + int(random, 7) } : {}),
    ...(random() < 0.3 ? { clientMaxWindowBits: 9 + int(random, 7) } : {}),
  };
  const agreement = negotiateDeflate(request.extensions, serverOptions);
  const protocol = request.protocols[0];
  const response = buildAcceptResponse({ key: request.key, ...(protocol !== undefined ? { protocol } : {}), ...(agreement !== null ? { extensions: agreement.header } : {}) });
  const reader = new HttpHeadReader<ResponseHead>('response');
  const parsed = reader.push(Buffer.from(response, 'latin1'));
  assert.ok(parsed !== null, 'the 101 does not parse');
  // As an rfc6455 client offers it: the registered name in lower case (the server matches it case-insensitively
  // and answers with the canonical name; the client compares names exactly).
  const offered = [...new Set(request.extensions.map((offer) => (offer.name.toLowerCase() === 'permessage-deflate' ? 'permessage-deflate' : offer.name)))];
  const answer = validateServerResponse(parsed.head, { key: request.key, protocols: request.protocols, extensions: offered });
  assert.equal(answer.protocol, protocol ?? '');
  if (agreement !== null) {
    const deflateOffers = request.extensions.filter((offer) => offer.name.toLowerCase() === 'permessage-deflate');
    const clientOptions = deflateOffers.length === 1 ? clientOptionsFor(deflateOffers[0]!) : undefined;
    if (clientOptions !== undefined) {
      // What the server agreed to, the client that made the offer agrees to as well.
      const clientAgreement = acceptDeflateAnswer(parseExtensionHeader(answer.extensions), answer.extensions, clientOptions);
      assert.ok(clientAgreement !== null);
      for (const field of ['serverNoContextTakeover', 'clientNoContextTakeover', 'serverMaxWindowBits', 'clientMaxWindowBits'] as const) {
        assert.equal(clientAgreement[field], agreement[field], `permessage-deflate ${field}: server ${agreement[field]}, client ${clientAgreement[field]} (offer ${formatExtensionHeader([deflateOffers[0]!])}, answer ${agreement.header})`);
      }
    }
    return 'request accepted, deflate';
  }
  return 'request accepted';
}

function checkHeaderValue(value: string): string {
  const labels: string[] = [];
  for (const [name, parse] of [['extensions', parseExtensionHeader], ['protocols', parseProtocolHeader]] as const) {
    let parsed;
    try {
      parsed = parse(value);
    } catch (error) {
      assert.ok(error instanceof HeaderSyntaxError, `${name} parser threw ${String(error)}`);
      assert.ok(error.index >= 0 && error.index <= value.length, `${name}: error index ${error.index}`);
      labels.push(`${name} refused`);
      continue;
    }
    if (name === 'extensions') {
      const offers = parsed as ExtensionOffer[];
      assert.deepEqual(parseExtensionHeader(formatExtensionHeader(offers)), offers, 'extensions do not survive format/parse');
      // Any offer: the server either declines or answers something it can itself parse.
      const agreement = negotiateDeflate(offers);
      if (agreement !== null) parseExtensionHeader(agreement.header);
      try {
        acceptDeflateAnswer(offers, value);
      } catch (error) {
        assert.ok(error instanceof HandshakeError, `acceptDeflateAnswer threw ${String(error)}`);
      }
    } else {
      const protocols = parsed as string[];
      for (const protocol of protocols) assert.ok(isToken(protocol));
      assert.deepEqual(parseProtocolHeader(protocols.join(', ')), protocols);
    }
    labels.push(`${name} ok`);
  }
  hasToken(value, 'upgrade');
  return labels.join(', ');
}

export function handshakeTarget(): FuzzTarget {
  return {
    name: 'handshake',
    description: 'HttpHeadReader, validateClientRequest/ServerResponse, extension and protocol header parsers, deflate negotiation',
    memory: { rssMiB: 1024, heapGrowthMiB: 32 },
    caseTimeoutMs: 5000,
    generate(seed) {
      const random = prng(seed);
      const kind = pick(random, ['request', 'request', 'request', 'response', 'response', 'value'] as const);
      const limits = { maxHeaderBytes: pick(random, [16 * 1024, 16 * 1024, 256, 1024, 4096]), maxHeaderCount: pick(random, [100, 100, 5, 20]) };
      if (kind === 'value') {
        const clean = Buffer.from(random() < 0.6 ? extensionsValue(random) : protocolsValue(random), 'latin1');
        return { seed, bytes: random() < 0.9 ? mutateHead(random, clean) : clean, meta: { kind, limits } };
      }
      let text: string;
      let key = randomKey(random);
      if (kind === 'request') {
        ({ text, key } = requestHead(random));
      } else {
        const extensions = random() < 0.5 ? deflateOffer(random) : undefined;
        text = acceptResponse(key, extensions);
        if (random() < 0.3) text = text.replace('\r\n\r\n', `\r\nSec-WebSocket-Protocol: ${pick(random, ['chat', 'other', 'a, b'])}\r\n\r\n`);
        if (random() < 0.2) text = `HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n${text}`;
      }
      const rest = random() < 0.5 ? randomBytes(random, int(random, 40)) : Buffer.alloc(0);
      const clean = Buffer.concat([Buffer.from(text, 'latin1'), rest]);
      const bytes = random() < 0.85 ? mutateHead(random, clean) : clean;
      return { seed, bytes, meta: { kind, limits, key, chunkSeed: Math.floor(random() * 2 ** 32) } };
    },
    check(input) {
      const started = performance.now();
      const kind = input.meta['kind'] as 'request' | 'response' | 'value';
      let label: string;
      if (kind === 'value') {
        label = checkHeaderValue(input.bytes.toString('latin1'));
      } else {
        const limits = input.meta['limits'] as { maxHeaderBytes: number; maxHeaderCount: number };
        const whole = readHead(kind, [input.bytes], limits);
        const chunked = readHead(kind, randomChunks(prng(input.meta['chunkSeed'] as number), input.bytes), limits);
        if (whole.kind === 'head' && chunked.kind === 'head') {
          assert.deepEqual(chunked.head, whole.head, 'the head depends on chunking');
          assert.ok(chunked.rest.equals(whole.rest), 'the bytes after the head depend on chunking');
          assert.ok(whole.rest.equals(input.bytes.subarray(input.bytes.length - whole.rest.length)), 'rest is not the tail of the input');
          assert.equal(input.bytes[input.bytes.length - whole.rest.length - 1], 0x0a, 'the head does not end with a line feed');
        } else {
          assert.deepEqual(chunked, whole, 'the outcome depends on chunking');
        }
        if (whole.kind === 'incomplete') {
          assert.ok(!hasEmptyLineWithin(input.bytes, limits.maxHeaderBytes), 'the head is complete but the reader still waits');
          label = `${kind} incomplete`;
        } else if (whole.kind === 'error') {
          label = `${kind} ${whole.code}`;
        } else if (kind === 'request') {
          label = checkRequest(whole.head as RequestHead, prng(input.seed ^ 0x5bd1e995));
        } else {
          try {
            validateServerResponse(whole.head as ResponseHead, { key: input.meta['key'] as string, protocols: ['chat'], extensions: ['permessage-deflate'] });
            label = 'response accepted';
          } catch (error) {
            assert.ok(error instanceof HandshakeError, `validateServerResponse threw ${String(error)}`);
            assert.equal(error.status, (whole.head as ResponseHead).status, 'the error carries the response status');
            label = `response ${error.code}`;
          }
        }
      }
      const elapsed = performance.now() - started;
      assert.ok(elapsed < SLOW_MS, `${input.bytes.length} bytes took ${elapsed.toFixed(0)} ms (super-linear work?)`);
      return label;
    },
  };
}
