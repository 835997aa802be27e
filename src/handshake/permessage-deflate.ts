/**
 * Negotiation of the permessage-deflate extension (RFC 7692 §5, §7.1): the
 * client's offer, the server's choice among the client's offers, and the
 * client's validation of the server's answer. Pure functions; the codec
 * itself lives in src/socket/permessage-deflate.ts.
 *
 * One deliberate restriction: an LZ77 window of 8 bits is never used for
 * compressing. zlib silently compresses with 9 bits when asked for 8, which a
 * peer inflating with an 8-bit window may not accept, so a server declines
 * offers that demand `server_max_window_bits=8`, and a client fails a handshake
 * whose answer demands `client_max_window_bits=8`. (Decompressing data made
 * with an 8-bit window is fine: it is inflated with a 9-bit window.)
 */
import { HandshakeError } from './errors.js';
import type { ExtensionOffer } from './headers.js';

/** The extension's registered name. */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/**
 * What an endpoint wants from permessage-deflate. The same shape serves both
 * roles; each field is documented from both sides.
 */
export interface PerMessageDeflateOptions {
  /**
   * Client: ask the server not to use context takeover (`server_no_context_takeover`).
   * Server: never use context takeover for its own messages (always answer
   * `server_no_context_takeover`). Default false.
   */
  readonly serverNoContextTakeover?: boolean;
  /**
   * Client: announce that it will not use context takeover
   * (`client_no_context_takeover`). Server: ask the client not to. Default false.
   */
  readonly clientNoContextTakeover?: boolean;
  /**
   * Client: ask the server to use at most this LZ77 window (9–15,
   * `server_max_window_bits`). Server: use at most this window (9–15). Default 15.
   */
  readonly serverMaxWindowBits?: number;
  /**
   * Client: `true` (default) offers `client_max_window_bits` without a value,
   * letting the server limit our window; a number (9–15) also promises to use
   * at most that window; `false` omits the parameter. Server: limit the
   * client's window to this (9–15) when the client allows it. Default: no limit.
   */
  readonly clientMaxWindowBits?: number | boolean;
  /** Messages smaller than this many bytes are sent uncompressed. Default 1024. */
  readonly threshold?: number;
  /** zlib compression level, 0–9. Default 1 (fast; JSON-like text still shrinks well). */
  readonly level?: number;
  /** zlib memLevel, 1–9: memory of the compressor's hash table. Default 8. */
  readonly memLevel?: number;
}

/** The parameters both sides agreed on, completed with their defaults. */
export interface DeflateAgreement {
  /** The server resets its compressor after each message. */
  readonly serverNoContextTakeover: boolean;
  /** The client resets its compressor after each message. */
  readonly clientNoContextTakeover: boolean;
  /** Largest window the server compresses with (9–15; 8 only when received from a peer). */
  readonly serverMaxWindowBits: number;
  /** Largest window the client compresses with. */
  readonly clientMaxWindowBits: number;
  /** The `Sec-WebSocket-Extensions` value of the server's answer. */
  readonly header: string;
}

/** Parameters of one offer or answer, after syntax checks. */
interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  /** `true` when present without a value. */
  clientMaxWindowBits: number | true | undefined;
}

/**
 * Parse and check the parameters of one permessage-deflate element
 * (RFC 7692 §7: each known parameter at most once, the no-context-takeover
 * ones without a value, window bits 8–15 in decimal without leading zeros,
 * `server_max_window_bits` always with a value, nothing else). Returns a
 * reason string for the first violation.
 */
function parseParams(offer: ExtensionOffer, isAnswer: boolean): DeflateParams | string {
  const params: DeflateParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const [name, value] of offer.params) {
    const key = name.toLowerCase();
    if (seen.has(key)) return `parameter ${key} appears twice`;
    seen.add(key);
    switch (key) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== true) return `parameter ${key} takes no value`;
        if (key === 'server_no_context_takeover') params.serverNoContextTakeover = true;
        else params.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits': {
        const bits = value === true ? undefined : windowBits(value);
        if (bits === undefined) return 'server_max_window_bits needs a value from 8 to 15';
        params.serverMaxWindowBits = bits;
        break;
      }
      case 'client_max_window_bits': {
        if (value === true) {
          // §7.1.2.2: only an offer may leave the value out.
          if (isAnswer) return 'client_max_window_bits needs a value in an answer';
          params.clientMaxWindowBits = true;
          break;
        }
        const bits = windowBits(value);
        if (bits === undefined) return 'client_max_window_bits must be from 8 to 15';
        params.clientMaxWindowBits = bits;
        break;
      }
      default:
        return `unknown parameter ${key}`;
    }
  }
  return params;
}

/** `8`…`15` exactly (RFC 7692 §7.1.2.1: decimal, no leading zeros). */
function windowBits(value: string): number | undefined {
  if (value.length === 0 || value.length > 2 || value[0] === '0') return undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  const bits = Number(value);
  return bits >= 8 && bits <= 15 ? bits : undefined;
}

function checkOptionBits(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 9 && value <= 15)) {
    throw new RangeError(`perMessageDeflate.${name} must be an integer from 9 to 15, got ${String(value)}`);
  }
}

/** Validate options (both roles); throws RangeError naming the option. */
export function validateDeflateOptions(options: PerMessageDeflateOptions): void {
  checkOptionBits('serverMaxWindowBits', options.serverMaxWindowBits);
  if (typeof options.clientMaxWindowBits === 'number') checkOptionBits('clientMaxWindowBits', options.clientMaxWindowBits);
  const { threshold, level, memLevel } = options;
  if (threshold !== undefined && !(threshold >= 0)) throw new RangeError(`perMessageDeflate.threshold must be a non-negative number, got ${String(threshold)}`);
  if (level !== undefined && !(Number.isInteger(level) && level >= 0 && level <= 9)) throw new RangeError(`perMessageDeflate.level must be an integer from 0 to 9, got ${String(level)}`);
  if (memLevel !== undefined && !(Number.isInteger(memLevel) && memLevel >= 1 && memLevel <= 9)) throw new RangeError(`perMessageDeflate.memLevel must be an integer from 1 to 9, got ${String(memLevel)}`);
}

/** The client's `Sec-WebSocket-Extensions` offer (RFC 7692 §7.1). */
export function formatDeflateOffer(options: PerMessageDeflateOptions = {}): string {
  validateDeflateOptions(options);
  const parts = [PERMESSAGE_DEFLATE];
  if (options.serverNoContextTakeover === true) parts.push('server_no_context_takeover');
  if (options.clientNoContextTakeover === true) parts.push('client_no_context_takeover');
  if (options.serverMaxWindowBits !== undefined) parts.push(`server_max_window_bits=${options.serverMaxWindowBits}`);
  const client = options.clientMaxWindowBits ?? true;
  if (client === true) parts.push('client_max_window_bits');
  else if (typeof client === 'number') parts.push(`client_max_window_bits=${client}`);
  return parts.join('; ');
}

/**
 * Server side (RFC 7692 §5, §7.1): accept the first acceptable
 * permessage-deflate offer, in the client's order. An offer is declined —
 * and the next one tried — when it has an unknown, repeated or invalid
 * parameter, or asks for a configuration we cannot provide (a compressor
 * window of 8). Returns null when every offer was declined (the connection
 * then proceeds without compression).
 */
export function negotiateDeflate(offers: readonly ExtensionOffer[], options: PerMessageDeflateOptions = {}): DeflateAgreement | null {
  for (const offer of offers) {
    if (offer.name.toLowerCase() !== PERMESSAGE_DEFLATE) continue;
    const params = parseParams(offer, false);
    if (typeof params === 'string') continue;
    // Our compressor: the client may cap it; our own option caps it further.
    let serverBits = options.serverMaxWindowBits ?? 15;
    if (params.serverMaxWindowBits !== undefined) {
      if (params.serverMaxWindowBits < 9) continue;
      serverBits = Math.min(serverBits, params.serverMaxWindowBits);
    }
    // The client's compressor: we may cap it only if the client allowed it (§7.1.2.2).
    let clientBits: number | undefined;
    const limit = typeof options.clientMaxWindowBits === 'number' ? options.clientMaxWindowBits : undefined;
    if (params.clientMaxWindowBits === true) clientBits = limit;
    else if (params.clientMaxWindowBits !== undefined) clientBits = Math.min(params.clientMaxWindowBits, limit ?? 15);
    const serverNoContextTakeover = params.serverNoContextTakeover || options.serverNoContextTakeover === true;
    const clientNoContextTakeover = params.clientNoContextTakeover || options.clientNoContextTakeover === true;
    const parts = [PERMESSAGE_DEFLATE];
    if (serverNoContextTakeover) parts.push('server_no_context_takeover');
    if (clientNoContextTakeover) parts.push('client_no_context_takeover');
    if (params.serverMaxWindowBits !== undefined || serverBits < 15) parts.push(`server_max_window_bits=${serverBits}`);
    if (clientBits !== undefined) parts.push(`client_max_window_bits=${clientBits}`);
    return {
      serverNoContextTakeover,
      clientNoContextTakeover,
      serverMaxWindowBits: serverBits,
      // Without an answer value, the client keeps to what it offered, if anything.
      clientMaxWindowBits: clientBits ?? (typeof params.clientMaxWindowBits === 'number' ? params.clientMaxWindowBits : 15),
      header: parts.join('; '),
    };
  }
  return null;
}

function invalidAnswer(reason: string): HandshakeError {
  return new HandshakeError('WS_ERR_INVALID_EXTENSION_HEADER', `Invalid permessage-deflate answer from the server: ${reason}`, 0);
}

/**
 * Client side (RFC 7692 §5.1, §7.1): check the server's answer against what
 * was offered with `options`, and return the agreement. Throws a
 * HandshakeError (the connection then fails) for an answer with unknown,
 * repeated or invalid parameters, a window above what was asked, a
 * `client_max_window_bits` that was not offered, or a window we cannot use.
 * Returns null when the server did not accept the extension.
 */
export function acceptDeflateAnswer(answers: readonly ExtensionOffer[], header: string, options: PerMessageDeflateOptions = {}): DeflateAgreement | null {
  const accepted = answers.filter((answer) => answer.name.toLowerCase() === PERMESSAGE_DEFLATE);
  if (accepted.length === 0) return null;
  if (accepted.length > 1) throw invalidAnswer('the extension was accepted twice');
  const params = parseParams(accepted[0]!, true);
  if (typeof params === 'string') throw invalidAnswer(params);
  // §7.1.2.1: a server accepts a server_max_window_bits offer by echoing it with the same or a smaller value.
  const asked = options.serverMaxWindowBits;
  if (asked !== undefined) {
    if (params.serverMaxWindowBits === undefined) throw invalidAnswer(`server_max_window_bits=${asked} was offered but not accepted`);
    if (params.serverMaxWindowBits > asked) throw invalidAnswer(`server_max_window_bits=${params.serverMaxWindowBits} exceeds the ${asked} offered`);
  }
  // §7.1.2.2: only if the client offered client_max_window_bits may the server answer it.
  const offeredClient = options.clientMaxWindowBits ?? true;
  let clientBits = typeof offeredClient === 'number' ? offeredClient : 15;
  if (params.clientMaxWindowBits !== undefined) {
    if (offeredClient === false) throw invalidAnswer('client_max_window_bits was not offered');
    const bits = params.clientMaxWindowBits as number;
    if (bits > clientBits) throw invalidAnswer(`client_max_window_bits=${bits} exceeds the ${clientBits} offered`);
    if (bits < 9) throw invalidAnswer('client_max_window_bits=8 is not supported (zlib compresses with at least 9 bits)');
    clientBits = bits;
  }
  return {
    serverNoContextTakeover: params.serverNoContextTakeover,
    clientNoContextTakeover: params.clientNoContextTakeover || options.clientNoContextTakeover === true,
    serverMaxWindowBits: params.serverMaxWindowBits ?? 15,
    clientMaxWindowBits: clientBits,
    header,
  };
}
