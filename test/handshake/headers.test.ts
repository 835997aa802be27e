/**
 * Header tokenizers: Sec-WebSocket-Protocol (RFC 6455 §11.3.4),
 * Sec-WebSocket-Extensions (RFC 6455 §9.1) and comma-list tokens (RFC 9110 §5.6.1).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ExtensionOffer,
  formatExtensionHeader,
  hasToken,
  HeaderSyntaxError,
  parseExtensionHeader,
  parseProtocolHeader,
} from '../../src/handshake/headers.js';

function failsAt(index: number) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof HeaderSyntaxError, String(error));
    assert.ok(error instanceof SyntaxError);
    assert.equal(error.index, index, error.message);
    assert.ok(error.message.includes(`at index ${index}`), error.message);
    return true;
  };
}

describe('Sec-WebSocket-Protocol', () => {
  const valid: [string, string[]][] = [
    ['chat', ['chat']],
    ['chat, superchat', ['chat', 'superchat']],
    ['chat,superchat', ['chat', 'superchat']],
    [' \tchat \t,\t superchat ', ['chat', 'superchat']],
    ['v1.json.example.com', ['v1.json.example.com']],
    ["!#$%&'*+-.^_`|~09AZaz", ["!#$%&'*+-.^_`|~09AZaz"]],
    ['a, a', ['a', 'a']], // duplicates are the caller's decision
  ];
  for (const [value, expected] of valid) {
    it(`parses ${JSON.stringify(value)}`, () => assert.deepEqual(parseProtocolHeader(value), expected));
  }

  const invalid: [string, number][] = [
    ['', 0],
    ['   ', 3],
    [',chat', 0],
    ['chat,', 5],
    ['chat, ', 6],
    ['chat,,superchat', 5],
    ['chat superchat', 5],
    ['chat;v=1', 4],
    ['"chat"', 0],
    ['ch/at', 2],
    ['chät', 2],
    ['chat\u0000', 4],
  ];
  for (const [value, index] of invalid) {
    it(`rejects ${JSON.stringify(value)} at index ${index}`, () => assert.throws(() => parseProtocolHeader(value), failsAt(index)));
  }
});

describe('Sec-WebSocket-Extensions (RFC 6455 §9.1)', () => {
  const offer = (name: string, ...params: [string, string | true][]): ExtensionOffer => ({ name, params });
  const valid: [string, ExtensionOffer[]][] = [
    ['foo', [offer('foo')]],
    ['foo, bar', [offer('foo'), offer('bar')]],
    ['foo; a', [offer('foo', ['a', true])]],
    ['foo;a;b=1', [offer('foo', ['a', true], ['b', '1'])]],
    ['foo ; a = 1 ; b', [offer('foo', ['a', '1'], ['b', true])]],
    ['foo;\ta=1\t,\tbar', [offer('foo', ['a', '1']), offer('bar')]],
    // quoted-string: unescaped, and the result must be a token.
    ['foo; a="10"', [offer('foo', ['a', '10'])]],
    ['foo; a="1\\0"', [offer('foo', ['a', '10'])]],
    ['foo; a="x" , bar; b', [offer('foo', ['a', 'x']), offer('bar', ['b', true])]],
    // RFC 7692 §5.2: fallbacks — several offers of one extension, kept in order.
    [
      'permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits',
      [
        offer('permessage-deflate', ['client_max_window_bits', true], ['server_max_window_bits', '10']),
        offer('permessage-deflate', ['client_max_window_bits', true]),
      ],
    ],
    // Repeated parameters and case are kept as sent; the extension decides.
    ['Foo; A=1; a=2', [offer('Foo', ['A', '1'], ['a', '2'])]],
    // Trailing whitespace after each kind of item.
    ['foo ', [offer('foo')]],
    ['foo; a ', [offer('foo', ['a', true])]],
    ['foo; a=1 ', [offer('foo', ['a', '1'])]],
    ['foo; a="1" ', [offer('foo', ['a', '1'])]],
  ];
  for (const [value, expected] of valid) {
    it(`parses ${JSON.stringify(value)}`, () => assert.deepEqual(parseExtensionHeader(value), expected));
  }

  const invalid: [string, number][] = [
    ['', 0],
    [' ', 1],
    [',foo', 0],
    ['foo,', 4],
    ['foo,,bar', 4],
    ['foo bar', 4],
    ['foo;', 4],
    ['foo;;a', 4],
    ['foo; =1', 5],
    ['foo; a=', 7],
    ['foo; a==1', 7],
    ['foo; a=1=2', 8],
    ['foo; a b', 7],
    ['foo; a=1 2', 9],
    ['foo; a=""', 8], // "" unescapes to the empty string, not a token
    ['foo; a="1 0"', 9], // unescaped value must be a token
    ['foo; a="1,0"', 9],
    ['foo; a="1\\ 0"', 10], // even escaped
    ['foo; a="10', 10], // unterminated
    ['foo; a="10\\', 11],
    ['foo; a="10"x', 11],
    ['foo; a="10";', 12],
    ['fo"o', 2],
    ['foo; a=ä', 7],
    ['foo\u0000', 3],
    ['foo; a=1\r\n', 8],
  ];
  for (const [value, index] of invalid) {
    it(`rejects ${JSON.stringify(value)} at index ${index}`, () => assert.throws(() => parseExtensionHeader(value), failsAt(index)));
  }

  it('describes the offending character safely in the message', () => {
    assert.throws(() => parseExtensionHeader('foo\u0007'), /Unexpected character U\+0007 at index 3/);
    assert.throws(() => parseExtensionHeader('foo@'), /Unexpected character "@" at index 3/);
    assert.throws(() => parseExtensionHeader('foo;'), /Unexpected end of input at index 4/);
  });

  it('formatExtensionHeader writes what parseExtensionHeader reads', () => {
    const offers = [
      offer('permessage-deflate', ['client_max_window_bits', true], ['server_max_window_bits', '10']),
      offer('permessage-deflate'),
      offer('x-custom', ['a', 'b'], ['c', true]),
    ];
    const text = formatExtensionHeader(offers);
    assert.equal(text, 'permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate, x-custom; a=b; c');
    assert.deepEqual(parseExtensionHeader(text), offers);
    assert.equal(formatExtensionHeader([]), '');
  });

  it('formatExtensionHeader refuses names and values that are not tokens', () => {
    assert.throws(() => formatExtensionHeader([offer('')]), TypeError);
    assert.throws(() => formatExtensionHeader([offer('a b')]), TypeError);
    assert.throws(() => formatExtensionHeader([offer('a', ['p q', true])]), TypeError);
    assert.throws(() => formatExtensionHeader([offer('a', ['p', ''])]), TypeError);
    assert.throws(() => formatExtensionHeader([offer('a', ['p', '1\r\nX-Injected: 1'])]), TypeError);
  });
});

describe('comma-list token membership (Connection, Upgrade)', () => {
  const cases: [string | undefined, string, boolean][] = [
    ['Upgrade', 'upgrade', true],
    ['upgrade', 'upgrade', true],
    ['UPGRADE', 'upgrade', true],
    ['keep-alive, Upgrade', 'upgrade', true],
    ['keep-alive,Upgrade', 'upgrade', true],
    [' , Upgrade ,', 'upgrade', true], // empty elements are ignored (RFC 9110 §5.6.1.2)
    ['keep-alive', 'upgrade', false],
    ['upgrade2', 'upgrade', false],
    ['up grade', 'upgrade', false],
    ['', 'upgrade', false],
    [undefined, 'upgrade', false],
    ['websocket', 'websocket', true],
    ['h2c, WebSocket', 'websocket', true],
    ['websocket/13', 'websocket', false],
    ['\u212Aeep-alive', 'keep-alive', false], // KELVIN SIGN folds to "k" only under Unicode case rules
  ];
  for (const [list, token, expected] of cases) {
    it(`${JSON.stringify(list)} ${expected ? 'contains' : 'does not contain'} ${token}`, () => assert.equal(hasToken(list, token), expected));
  }
});
