/**
 * permessage-deflate negotiation (RFC 7692 §5, §7.1): the client's offer,
 * the server's choice, and the client's check of the answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HandshakeError } from '../../src/handshake/errors.js';
import { parseExtensionHeader } from '../../src/handshake/headers.js';
import {
  acceptDeflateAnswer, formatDeflateOffer, negotiateDeflate, type PerMessageDeflateOptions, validateDeflateOptions,
} from '../../src/handshake/permessage-deflate.js';

describe('formatDeflateOffer', () => {
  const cases: [PerMessageDeflateOptions, string][] = [
    [{}, 'permessage-deflate; client_max_window_bits'],
    [{ clientMaxWindowBits: false }, 'permessage-deflate'],
    [{ clientMaxWindowBits: 10 }, 'permessage-deflate; client_max_window_bits=10'],
    [{ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9 },
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits'],
  ];
  for (const [options, header] of cases) it(header, () => assert.equal(formatDeflateOffer(options), header));

  it('rejects invalid options with a RangeError naming them', () => {
    for (const options of [{ serverMaxWindowBits: 8 }, { serverMaxWindowBits: 16 }, { clientMaxWindowBits: 7 }, { level: 10 }, { memLevel: 0 }, { threshold: -1 }]) {
      assert.throws(() => validateDeflateOptions(options), (e: unknown) => e instanceof RangeError && e.message.includes(Object.keys(options)[0]!), JSON.stringify(options));
    }
  });
});

describe('negotiateDeflate (server)', () => {
  const negotiate = (header: string, options: PerMessageDeflateOptions = {}) => negotiateDeflate(parseExtensionHeader(header), options);
  const table: [string, PerMessageDeflateOptions, string | null, { s: number; c: number; snct: boolean; cnct: boolean } | null][] = [
    ['permessage-deflate', {}, 'permessage-deflate', { s: 15, c: 15, snct: false, cnct: false }],
    ['permessage-deflate; client_max_window_bits', {}, 'permessage-deflate', { s: 15, c: 15, snct: false, cnct: false }],
    ['permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 }, 'permessage-deflate; client_max_window_bits=10', { s: 15, c: 10, snct: false, cnct: false }],
    ['permessage-deflate', { clientMaxWindowBits: 10 }, 'permessage-deflate', { s: 15, c: 15, snct: false, cnct: false }],
    ['permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 10 }, 'permessage-deflate; client_max_window_bits=10', { s: 15, c: 10, snct: false, cnct: false }],
    ['permessage-deflate; client_max_window_bits=9', {}, 'permessage-deflate; client_max_window_bits=9', { s: 15, c: 9, snct: false, cnct: false }],
    ['permessage-deflate; server_max_window_bits=10', {}, 'permessage-deflate; server_max_window_bits=10', { s: 10, c: 15, snct: false, cnct: false }],
    ['permessage-deflate; server_max_window_bits=12', { serverMaxWindowBits: 11 }, 'permessage-deflate; server_max_window_bits=11', { s: 11, c: 15, snct: false, cnct: false }],
    ['permessage-deflate', { serverMaxWindowBits: 11 }, 'permessage-deflate; server_max_window_bits=11', { s: 11, c: 15, snct: false, cnct: false }],
    ['permessage-deflate; server_no_context_takeover', {}, 'permessage-deflate; server_no_context_takeover', { s: 15, c: 15, snct: true, cnct: false }],
    ['permessage-deflate', { serverNoContextTakeover: true, clientNoContextTakeover: true },
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover', { s: 15, c: 15, snct: true, cnct: true }],
    ['permessage-deflate; client_no_context_takeover', {}, 'permessage-deflate; client_no_context_takeover', { s: 15, c: 15, snct: false, cnct: true }],
    // Declined offers (RFC 7692 §5.1): unknown, repeated or invalid parameters.
    ['permessage-deflate; unknown_param', {}, null, null],
    ['permessage-deflate; server_no_context_takeover; server_no_context_takeover', {}, null, null],
    ['permessage-deflate; server_no_context_takeover=1', {}, null, null],
    ['permessage-deflate; server_max_window_bits', {}, null, null],
    ['permessage-deflate; server_max_window_bits=16', {}, null, null],
    ['permessage-deflate; server_max_window_bits=7', {}, null, null],
    ['permessage-deflate; server_max_window_bits=010', {}, null, null],
    ['permessage-deflate; client_max_window_bits=abc', {}, null, null],
    // A window of 8 for our own compressor is not something zlib can honour.
    ['permessage-deflate; server_max_window_bits=8', {}, null, null],
    ['x-webkit-deflate-frame', {}, null, null],
    // The first acceptable offer wins; invalid ones before it are skipped.
    ['permessage-deflate; bogus, permessage-deflate; server_max_window_bits=10, permessage-deflate', {}, 'permessage-deflate; server_max_window_bits=10', { s: 10, c: 15, snct: false, cnct: false }],
    ['permessage-deflate; server_max_window_bits="12"', {}, 'permessage-deflate; server_max_window_bits=12', { s: 12, c: 15, snct: false, cnct: false }],
  ];
  for (const [offer, options, answer, params] of table) {
    it(`${offer} ${JSON.stringify(options)} → ${answer ?? 'declined'}`, () => {
      const agreement = negotiate(offer, options);
      if (answer === null) {
        assert.equal(agreement, null);
        return;
      }
      assert.ok(agreement);
      assert.equal(agreement.header, answer);
      assert.deepEqual(
        { s: agreement.serverMaxWindowBits, c: agreement.clientMaxWindowBits, snct: agreement.serverNoContextTakeover, cnct: agreement.clientNoContextTakeover },
        params,
      );
    });
  }
});

describe('acceptDeflateAnswer (client)', () => {
  const accept = (answer: string, options: PerMessageDeflateOptions = {}) => acceptDeflateAnswer(parseExtensionHeader(answer), answer, options);
  const fails = (answer: string, options: PerMessageDeflateOptions, pattern: RegExp) =>
    assert.throws(() => accept(answer, options), (e: unknown) => e instanceof HandshakeError && e.code === 'WS_ERR_INVALID_EXTENSION_HEADER' && pattern.test(e.message), answer);

  it('accepts the plain answer, with defaults, and reports the header as agreed', () => {
    const agreement = accept('permessage-deflate');
    assert.deepEqual(agreement, { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15, header: 'permessage-deflate' });
  });

  it('applies every parameter the server may set', () => {
    const agreement = accept('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11', { serverMaxWindowBits: 12 });
    assert.deepEqual(
      [agreement?.serverNoContextTakeover, agreement?.clientNoContextTakeover, agreement?.serverMaxWindowBits, agreement?.clientMaxWindowBits],
      [true, true, 10, 11],
    );
  });

  it('keeps its own client_no_context_takeover and window promise even if the server does not echo them', () => {
    const agreement = accept('permessage-deflate', { clientNoContextTakeover: true, clientMaxWindowBits: 12 });
    assert.deepEqual([agreement?.clientNoContextTakeover, agreement?.clientMaxWindowBits], [true, 12]);
  });

  it('returns null when the server did not accept the extension', () => {
    assert.equal(acceptDeflateAnswer([], '', {}), null);
  });

  it('fails on answers a client must reject (RFC 7692 §5.1, §7.1.2)', () => {
    fails('permessage-deflate; nonsense', {}, /unknown parameter/);
    fails('permessage-deflate; server_no_context_takeover; server_no_context_takeover', {}, /twice/);
    fails('permessage-deflate; client_max_window_bits', {}, /needs a value/);
    fails('permessage-deflate; server_max_window_bits=16', {}, /8 to 15/);
    fails('permessage-deflate, permessage-deflate', {}, /accepted twice/);
    fails('permessage-deflate', { serverMaxWindowBits: 10 }, /not accepted/);
    fails('permessage-deflate; server_max_window_bits=11', { serverMaxWindowBits: 10 }, /exceeds/);
    fails('permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: false }, /not offered/);
    fails('permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 11 }, /exceeds/);
    fails('permessage-deflate; client_max_window_bits=8', {}, /not supported/);
  });
});
