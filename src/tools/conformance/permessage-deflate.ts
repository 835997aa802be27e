/**
 * permessage-deflate (RFC 7692) for the tester: the negotiation, both ways,
 * checked strictly, and the compression itself.
 *
 * Negotiation. As a client (testing a server) the tester sends the case's
 * offers and checks the server's answer against RFC 6455 §9.1 and RFC 7692
 * §5, §7: one `permessage-deflate` element at most, nothing it did not offer,
 * only parameters defined for a response, each once, with valid values, and
 * consistent with one of the offers (`server_no_context_takeover` and
 * `server_max_window_bits` echoed when offered, the latter no larger). As a
 * server (testing a client) it parses the client's offers, declines invalid
 * ones (RFC 7692 §5) and accepts the first offer its case's rules can accept,
 * as Autobahn's fuzzing server does.
 *
 * Every offer also carries `client_max_window_bits` (no value): the tester
 * can compress with any window the server asks for (RFC 7692 §7.1.2.2). It
 * does not offer `client_no_context_takeover`: in an offer that is a promise
 * not to take context over (RFC 7692 §7.1.1.2), and the tester wants to
 * exercise the server's context takeover unless the server itself asks
 * otherwise. (Autobahn's offer has both; its client then ignores the promise.)
 *
 * Compression. Every message is a raw DEFLATE stream flushed with
 * Z_SYNC_FLUSH, the trailing 00 00 ff ff removed (RFC 7692 §7.2.1), and
 * inflated after appending them (§7.2.2). Context takeover is modelled
 * exactly by a preset dictionary: the last 2^windowBits bytes of the
 * direction's earlier (compressed) messages, which is all an LZ77 window can
 * refer to. Without context takeover there is no dictionary, so a peer that
 * agreed not to take context over but does is caught ("invalid distance too
 * far back"), as is one that uses a larger window than agreed (the tester
 * inflates with exactly the agreed window). zlib runs synchronously and
 * bounded: output beyond a limit is cut off (ERR_BUFFER_TOO_LARGE).
 */
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { DeflateAccept, DeflateAgreement, DeflateOffer } from './types.js';

/** The extension's registered name. */
export const EXTENSION = 'permessage-deflate';

/** What Z_SYNC_FLUSH ends a message with, removed on the wire (RFC 7692 §7.2.1). */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** An extension list element: name and parameters in order (`true`: no value). */
export interface ExtensionElement {
  readonly name: string;
  readonly params: readonly (readonly [string, string | true])[];
}

// ---- Sec-WebSocket-Extensions (RFC 6455 §9.1) ------------------------------

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** The header value could not be parsed; the message says where. */
export class ExtensionSyntaxError extends Error {
  override readonly name = 'ExtensionSyntaxError';
}

/**
 * Parse an extension list (RFC 6455 §9.1): `name *( ";" param [ "=" value ] )`
 * elements separated by commas, values a token or a quoted string (whose
 * content must itself be a token). Empty elements are ignored (RFC 9110 §5.6.1).
 */
export function parseExtensions(value: string): ExtensionElement[] {
  const elements: ExtensionElement[] = [];
  let i = 0;
  const skipSpace = (): void => { while (value[i] === ' ' || value[i] === '\t') i++; };
  const token = (what: string): string => {
    const start = i;
    while (i < value.length && TCHAR.test(value[i]!)) i++;
    if (i === start) throw new ExtensionSyntaxError(`expected ${what} at offset ${start} of "${value}"`);
    return value.slice(start, i);
  };
  for (;;) {
    skipSpace();
    if (i >= value.length) break;
    if (value[i] === ',') { i++; continue; }
    const name = token('an extension name');
    const params: [string, string | true][] = [];
    skipSpace();
    while (value[i] === ';') {
      i++;
      skipSpace();
      const param = token('a parameter name');
      skipSpace();
      let paramValue: string | true = true;
      if (value[i] === '=') {
        i++;
        skipSpace();
        if (value[i] === '"') {
          i++;
          let text = '';
          while (i < value.length && value[i] !== '"') {
            if (value[i] === '\\') i++;
            if (i < value.length) text += value[i++];
          }
          if (value[i] !== '"') throw new ExtensionSyntaxError(`unterminated quoted string in "${value}"`);
          i++;
          if (text === '' || ![...text].every((c) => TCHAR.test(c))) {
            throw new ExtensionSyntaxError(`quoted value "${text}" of ${param} is not a token (RFC 6455 §9.1)`);
          }
          paramValue = text;
        } else {
          paramValue = token(`a value for ${param}`);
        }
        skipSpace();
      }
      params.push([param, paramValue]);
    }
    elements.push({ name, params });
    if (i >= value.length) break;
    if (value[i] !== ',') throw new ExtensionSyntaxError(`unexpected "${value[i]}" at offset ${i} of "${value}"`);
    i++;
  }
  return elements;
}

/** The header text of one offer. */
export function formatOffer(offer: DeflateOffer): string {
  return [
    EXTENSION,
    ...(offer.requestNoContextTakeover ? ['server_no_context_takeover'] : []),
    ...(offer.requestMaxWindowBits !== 0 ? [`server_max_window_bits=${offer.requestMaxWindowBits}`] : []),
    'client_max_window_bits',
  ].join('; ');
}

/** The Sec-WebSocket-Extensions value of the tester's offers. */
export function formatOffers(offers: readonly DeflateOffer[]): string {
  return offers.map(formatOffer).join(', ');
}

/** Whether a window-bits value is valid: a decimal 8–15 without leading zeros (RFC 7692 §7.1.2). */
function windowBits(value: string | true): number | null {
  return value !== true && /^(?:[89]|1[0-5])$/.test(value) ? Number(value) : null;
}

/** The parameters of one permessage-deflate element, checked; or why they are invalid. */
interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** null: absent. */
  serverMaxWindowBits: number | null;
  /** null: absent; true: present without a value (offers only). */
  clientMaxWindowBits: number | true | null;
}

function readParams(element: ExtensionElement, side: 'offer' | 'response'): DeflateParams | string {
  const params: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: null, clientMaxWindowBits: null };
  const seen = new Set<string>();
  for (const [rawName, value] of element.params) {
    const name = rawName.toLowerCase();
    if (seen.has(name)) return `parameter ${name} appears twice (RFC 7692 §5)`;
    seen.add(name);
    const shown = value === true ? name : `${name}=${value}`;
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== true) return `${shown}: this parameter takes no value (RFC 7692 §7.1.1)`;
        if (name === 'server_no_context_takeover') params.serverNoContextTakeover = true;
        else params.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits': {
        const bits = windowBits(value);
        if (bits === null) return `${shown}: the value must be an integer from 8 to 15 without leading zeros (RFC 7692 §7.1.2.1)`;
        params.serverMaxWindowBits = bits;
        break;
      }
      case 'client_max_window_bits': {
        if (value === true && side === 'offer') {
          params.clientMaxWindowBits = true;
          break;
        }
        const bits = windowBits(value);
        if (bits === null) {
          return `${shown}: ${side === 'response' ? 'a response must give' : 'the value must be'} an integer from 8 to 15 without leading zeros (RFC 7692 §7.1.2.2)`;
        }
        params.clientMaxWindowBits = bits;
        break;
      }
      default:
        return `unknown parameter ${shown} (RFC 7692 §5: not defined for use in ${side === 'offer' ? 'an offer' : 'a response'})`;
    }
  }
  return params;
}

// ---- the tester as client: checking a server's answer ----------------------

/** How a server answered the tester's offers. */
export type ResponseCheck =
  | { readonly kind: 'declined' }
  | { readonly kind: 'accepted'; readonly agreement: DeflateAgreement; readonly offerIndex: number }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Why a valid response does not fit one offer, or null when it does. */
function responseMismatch(offer: DeflateOffer, params: DeflateParams): string | null {
  if (offer.requestNoContextTakeover && !params.serverNoContextTakeover) {
    return 'server_no_context_takeover was offered but is missing from the response (RFC 7692 §7.1.1.1: a server accepting it MUST include it)';
  }
  if (offer.requestMaxWindowBits !== 0) {
    if (params.serverMaxWindowBits === null) {
      return `server_max_window_bits=${offer.requestMaxWindowBits} was offered but is missing from the response (RFC 7692 §7.1.2.1)`;
    }
    if (params.serverMaxWindowBits > offer.requestMaxWindowBits) {
      return `server_max_window_bits=${params.serverMaxWindowBits} is larger than the offered ${offer.requestMaxWindowBits} (RFC 7692 §7.1.2.1)`;
    }
  }
  return null;
}

/**
 * Check a server's Sec-WebSocket-Extensions (undefined: absent) against the
 * tester's offers (RFC 6455 §9.1, RFC 7692 §5 and §7).
 */
export function checkServerResponse(offers: readonly DeflateOffer[], header: string | undefined): ResponseCheck {
  if (header === undefined) return { kind: 'declined' };
  let elements: ExtensionElement[];
  try {
    elements = parseExtensions(header);
  } catch (error) {
    return { kind: 'invalid', reason: `Sec-WebSocket-Extensions is not a valid extension list (RFC 6455 §9.1): ${(error as Error).message}` };
  }
  if (elements.length === 0) return { kind: 'declined' };
  const stranger = elements.find((e) => e.name.toLowerCase() !== EXTENSION);
  if (stranger !== undefined) return { kind: 'invalid', reason: `the server accepted the extension "${stranger.name}", which the tester did not offer (RFC 6455 §9.1)` };
  if (elements.length > 1) return { kind: 'invalid', reason: `the server accepted ${EXTENSION} ${elements.length} times; it may accept one offer (RFC 7692 §5)` };
  const params = readParams(elements[0]!, 'response');
  if (typeof params === 'string') return { kind: 'invalid', reason: `invalid ${EXTENSION} response: ${params}` };
  const mismatches: string[] = [];
  for (const [index, offer] of offers.entries()) {
    const mismatch = responseMismatch(offer, params);
    if (mismatch === null) {
      return {
        kind: 'accepted',
        offerIndex: index,
        agreement: {
          serverNoContextTakeover: params.serverNoContextTakeover,
          clientNoContextTakeover: params.clientNoContextTakeover,
          serverMaxWindowBits: params.serverMaxWindowBits ?? 15,
          // Every offer of the tester has client_max_window_bits, so the server may set it (RFC 7692 §7.1.2.2).
          clientMaxWindowBits: typeof params.clientMaxWindowBits === 'number' ? params.clientMaxWindowBits : 15,
        },
      };
    }
    mismatches.push(offers.length === 1 ? mismatch : `offer ${index + 1}: ${mismatch}`);
  }
  return { kind: 'invalid', reason: `the response accepts none of the offers: ${mismatches.join('; ')}` };
}

// ---- the tester as server: accepting a client's offer ----------------------

/** How the tester answers a client's offers. */
export type OfferAnswer =
  | { readonly kind: 'accepted'; readonly response: string; readonly agreement: DeflateAgreement; readonly note: string }
  /** No offer of the extension, or none the case's rules accept: the case is UNIMPLEMENTED. */
  | { readonly kind: 'none'; readonly reason: string }
  /** The offers are broken (unparsable, or every permessage-deflate offer invalid): the case FAILS. */
  | { readonly kind: 'invalid'; readonly reason: string; readonly unparsable: boolean };

function describeAccept(rule: DeflateAccept): string {
  const asks = [
    ...(rule.requestNoContextTakeover ? ['client_no_context_takeover'] : []),
    ...(rule.requestMaxWindowBits !== 0 ? [`client_max_window_bits=${rule.requestMaxWindowBits}`] : []),
  ];
  return asks.length === 0 ? 'accept as offered' : `accept asking for ${asks.join(' and ')}`;
}

/**
 * Answer a client's Sec-WebSocket-Extensions (undefined: absent) with the
 * case's rules: for each rule in order, the first valid offer it can accept
 * (Autobahn's fuzzing server). A rule asking for `client_max_window_bits`
 * needs an offer that has it (RFC 7692 §7.1.2.2). The answer echoes
 * `server_no_context_takeover` and `server_max_window_bits` when offered.
 */
export function answerClientOffers(rules: readonly DeflateAccept[], header: string | undefined): OfferAnswer {
  if (header === undefined) return { kind: 'none', reason: `the client offered no extension (it does not support ${EXTENSION})` };
  let elements: ExtensionElement[];
  try {
    elements = parseExtensions(header);
  } catch (error) {
    return { kind: 'invalid', unparsable: true, reason: `the client's Sec-WebSocket-Extensions is not a valid extension list (RFC 6455 §9.1): ${(error as Error).message}` };
  }
  const offers = elements.filter((e) => e.name.toLowerCase() === EXTENSION);
  if (offers.length === 0) return { kind: 'none', reason: `the client did not offer ${EXTENSION} (offered: ${header})` };
  const valid: DeflateParams[] = [];
  const invalid: string[] = [];
  for (const [index, offer] of offers.entries()) {
    const params = readParams(offer, 'offer');
    if (typeof params === 'string') invalid.push(`offer ${index + 1}: ${params}`);
    else valid.push(params);
  }
  if (valid.length === 0) {
    return { kind: 'invalid', unparsable: false, reason: `every ${EXTENSION} offer of the client is invalid, so the tester declined them (RFC 7692 §5): ${invalid.join('; ')}` };
  }
  for (const rule of rules) {
    for (const offer of valid) {
      if (rule.requestMaxWindowBits !== 0 && offer.clientMaxWindowBits === null) continue;
      const clientBits = rule.requestMaxWindowBits === 0
        ? null
        : Math.min(rule.requestMaxWindowBits, typeof offer.clientMaxWindowBits === 'number' ? offer.clientMaxWindowBits : 15);
      const response = [
        EXTENSION,
        ...(offer.serverNoContextTakeover ? ['server_no_context_takeover'] : []),
        ...(offer.serverMaxWindowBits !== null ? [`server_max_window_bits=${offer.serverMaxWindowBits}`] : []),
        ...(rule.requestNoContextTakeover ? ['client_no_context_takeover'] : []),
        ...(clientBits !== null ? [`client_max_window_bits=${clientBits}`] : []),
      ].join('; ');
      return {
        kind: 'accepted',
        response,
        note: `${describeAccept(rule)}${invalid.length > 0 ? `; declined invalid offers (${invalid.join('; ')})` : ''}`,
        agreement: {
          serverNoContextTakeover: offer.serverNoContextTakeover,
          clientNoContextTakeover: rule.requestNoContextTakeover,
          serverMaxWindowBits: offer.serverMaxWindowBits ?? 15,
          clientMaxWindowBits: clientBits ?? 15,
        },
      };
    }
  }
  return {
    kind: 'none',
    reason: `no offer fits the case's server configuration (${rules.map(describeAccept).join(', then ')}): ` +
      'asking for client_max_window_bits needs an offer that has client_max_window_bits (RFC 7692 §7.1.2.2)',
  };
}

/** The agreement in words, for reports. */
export function describeAgreement(agreement: DeflateAgreement): string {
  const direction = (who: 'server' | 'client', noContext: boolean, bits: number): string =>
    `${who}→${who === 'server' ? 'client' : 'server'}: ${noContext ? 'no context takeover' : 'context takeover'}, window 2^${bits}`;
  return `${direction('client', agreement.clientNoContextTakeover, agreement.clientMaxWindowBits)}; ` +
    `${direction('server', agreement.serverNoContextTakeover, agreement.serverMaxWindowBits)}`;
}

// ---- compression ------------------------------------------------------------

/** The last `size` bytes of `history` followed by `data`. */
function slide(history: Buffer, data: Buffer, size: number): Buffer {
  if (data.length >= size) return Buffer.from(data.subarray(data.length - size));
  const keep = Math.min(history.length, size - data.length);
  return Buffer.concat([history.subarray(history.length - keep), data]);
}

/**
 * Compresses one direction's messages (RFC 7692 §7.2.1) with a window of
 * 2^bits bytes, taking context over from message to message unless told not to.
 */
export class MessageDeflater {
  private history: Buffer = Buffer.alloc(0);

  constructor(private readonly bits: number, private readonly noContextTakeover: boolean) {}

  /** The compressed payload of one message, without the trailing 00 00 ff ff. */
  compress(payload: Buffer): Buffer {
    const output = deflateRawSync(payload, {
      // zlib cannot make raw streams with a 256-byte window; literals only (Huffman coding) fit any window.
      windowBits: Math.max(this.bits, 9),
      ...(this.bits < 9 ? { strategy: constants.Z_HUFFMAN_ONLY } : {}),
      finishFlush: constants.Z_SYNC_FLUSH,
      ...(this.history.length > 0 ? { dictionary: this.history } : {}),
    });
    if (!this.noContextTakeover) this.history = slide(this.history, payload, 2 ** this.bits);
    if (!output.subarray(-4).equals(TAIL)) throw new Error('zlib did not end the message with an empty stored block');
    return output.subarray(0, output.length - 4);
  }
}

/** A compressed message that does not inflate (bad stream, wrong window, or too big). */
export class InflateFailure extends Error {
  override readonly name = 'InflateFailure';
  constructor(message: string, readonly tooBig: boolean) {
    super(message);
  }
}

/**
 * Inflates one direction's messages (RFC 7692 §7.2.2) with exactly the agreed
 * window, keeping the previous messages as context unless agreed otherwise.
 */
export class MessageInflater {
  private history: Buffer = Buffer.alloc(0);

  constructor(private readonly bits: number, private readonly noContextTakeover: boolean) {}

  /** Inflate one message's payload; more than `limit` bytes of output is an error. */
  inflate(data: Buffer, limit: number): Buffer {
    let output: Buffer;
    try {
      output = inflateRawSync(Buffer.concat([data, TAIL]), {
        windowBits: this.bits,
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: Math.max(1, limit),
        ...(this.history.length > 0 ? { dictionary: this.history } : {}),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') throw new InflateFailure(`inflates to more than ${limit} bytes (cut off there)`, true);
      const message = (error as Error).message;
      const hint = /distance too far back/.test(message)
        ? this.noContextTakeover
          ? ': it refers to data before the message although no context takeover was agreed, or uses a window larger than the agreed ' +
            `2^${this.bits} bytes`
          : `: it refers further back than the agreed window of 2^${this.bits} bytes`
        : '';
      throw new InflateFailure(`does not inflate (zlib: ${message})${hint}`, false);
    }
    if (output.length > limit) throw new InflateFailure(`inflates to more than ${limit} bytes (cut off there)`, true);
    if (!this.noContextTakeover) this.history = slide(this.history, output, 2 ** this.bits);
    return output;
  }
}
