/**
 * The client's pure handshake functions: the WHATWG protocols check, the
 * request head (RFC 6455 §4.1 items 1-11) and the validation of the server's
 * response (RFC 6455 §4.1, "the client MUST validate the server's response").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeAcceptKey } from '../../src/handshake/accept-key.js';
import { buildClientRequest, type ClientOffer, validateProtocols, validateServerResponse } from '../../src/handshake/client-request.js';
import { HttpHeadReader, type RequestHead, type ResponseHead } from '../../src/handshake/http-head.js';
import { parseWebSocketUrl } from '../../src/handshake/url.js';
import { handshakeError, syntaxError } from './helpers.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

function parseRequest(text: string): RequestHead {
  const result = new HttpHeadReader<RequestHead>('request').push(Buffer.from(text, 'latin1'));
  assert.ok(result, 'a complete head');
  assert.equal(result.rest.length, 0);
  return result.head;
}

function parseResponse(text: string): ResponseHead {
  const result = new HttpHeadReader<ResponseHead>('response').push(Buffer.from(text, 'latin1'));
  assert.ok(result, 'a complete head');
  return result.head;
}

describe('WHATWG constructor: validateProtocols', () => {
  it('accepts a string, a list, or nothing', () => {
    assert.deepEqual(validateProtocols(undefined), []);
    assert.deepEqual(validateProtocols([]), []);
    assert.deepEqual(validateProtocols('chat'), ['chat']);
    assert.deepEqual(validateProtocols(['chat', 'superchat', 'Chat']), ['chat', 'superchat', 'Chat']);
  });

  it('returns a copy', () => {
    const input = ['a'];
    const output = validateProtocols(input);
    output.push('b');
    assert.deepEqual(input, ['a']);
  });

  const invalid: (string | string[])[] = ['', [''], 'a b', 'a,b', ['a', 'a'], ['chat', 'x', 'chat'], 'ä', '"a"', 'a\r\nX: y', [' a']];
  for (const protocols of invalid) {
    it(`throws SyntaxError for ${JSON.stringify(protocols)}`, () => assert.throws(() => validateProtocols(protocols), syntaxError));
  }
});

describe('RFC 6455 §4.1: buildClientRequest', () => {
  it('writes the RFC §1.3 example request, fields in order', () => {
    const text = buildClientRequest({ url: parseWebSocketUrl('ws://server.example.com/chat'), key: KEY, protocols: ['chat', 'superchat'], origin: 'http://example.com' });
    assert.equal(
      text,
      'GET /chat HTTP/1.1\r\n' +
        'Host: server.example.com\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${KEY}\r\n` +
        'Sec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Protocol: chat, superchat\r\n' +
        'Origin: http://example.com\r\n' +
        '\r\n',
    );
  });

  it('omits the optional fields when not given, and sends path, query and non-default port', () => {
    const head = parseRequest(buildClientRequest({ url: parseWebSocketUrl('wss://example.com:8443/a/b?c=d'), key: KEY }));
    assert.equal(head.target, '/a/b?c=d');
    assert.equal(head.headers['host'], 'example.com:8443');
    assert.deepEqual(head.rawHeaders.map(([name]) => name), ['Host', 'Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version']);
  });

  it('brackets an IPv6 Host', () => {
    assert.equal(parseRequest(buildClientRequest({ url: parseWebSocketUrl('ws://[::1]:9000/'), key: KEY })).headers['host'], '[::1]:9000');
  });

  it('sends the extension offer as given', () => {
    const extensions = 'permessage-deflate; client_max_window_bits, permessage-deflate';
    assert.equal(parseRequest(buildClientRequest({ url: parseWebSocketUrl('ws://h/'), key: KEY, extensions })).headers['sec-websocket-extensions'], extensions);
    assert.equal(parseRequest(buildClientRequest({ url: parseWebSocketUrl('ws://h/'), key: KEY, extensions: '' })).headers['sec-websocket-extensions'], undefined);
  });

  it('appends extra headers; Host and Origin may be replaced, in place', () => {
    const head = parseRequest(buildClientRequest({
      url: parseWebSocketUrl('ws://h/'),
      key: KEY,
      origin: 'http://a.example',
      headers: { 'X-Trace': 'abc', host: 'virtual.example', ORIGIN: 'http://b.example', Cookie: ['a=1', 'b=2'] },
    }));
    assert.deepEqual(head.rawHeaders, [
      ['host', 'virtual.example'],
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', KEY],
      ['Sec-WebSocket-Version', '13'],
      ['ORIGIN', 'http://b.example'],
      ['X-Trace', 'abc'],
      ['Cookie', 'a=1'],
      ['Cookie', 'b=2'],
    ]);
  });

  const reserved = ['Upgrade', 'connection', 'Sec-WebSocket-Key', 'sec-websocket-version', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Extensions', 'Sec-WebSocket-Accept', 'Sec-WebSocket-Anything', 'Content-Length', 'Transfer-Encoding'];
  for (const name of reserved) {
    it(`refuses to let headers set ${name} (TypeError naming it)`, () => {
      assert.throws(() => buildClientRequest({ url: parseWebSocketUrl('ws://h/'), key: KEY, headers: { [name]: 'x' } }), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.ok(error.message.includes(name), error.message);
        return true;
      });
    });
  }

  const injections: [string, string][] = [
    ['CR', 'a\rb'],
    ['LF', 'a\nb'],
    ['CRLF + header', 'a\r\nX-Injected: 1'],
    ['NUL', 'a\u0000b'],
    ['DEL', 'a\u007fb'],
    ['non-ASCII', 'caf\u00e9'],
    ['a lone surrogate', '\ud800'],
  ];
  for (const [what, value] of injections) {
    it(`refuses a header value with ${what}, without echoing the value`, () => {
      assert.throws(() => buildClientRequest({ url: parseWebSocketUrl('ws://h/'), key: KEY, headers: { Authorization: `Bearer secret-${value}` } }), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.ok(error.message.includes('Authorization'), error.message);
        assert.ok(!error.message.includes('secret'), error.message);
        return true;
      });
    });
  }

  it('allows HTAB and SP inside values', () => {
    assert.equal(parseRequest(buildClientRequest({ url: parseWebSocketUrl('ws://h/'), key: KEY, headers: { 'X-A': 'a \tb' } })).headers['x-a'], 'a \tb');
  });

  for (const name of ['', 'Bad Name', 'X:Y', 'X\r\nY', 'Ünicode', '"quoted"']) {
    it(`refuses the header name ${JSON.stringify(name)}`, () => {
      assert.throws(() => buildClientRequest({ url: parseWebSocketUrl('ws://h/'), key: KEY, headers: { [name]: 'x' } }), TypeError);
    });
  }

  it('refuses the same header twice in different case, and Host as a list', () => {
    assert.throws(() => buildClientRequest({ url: parseWebSocketUrl('ws://h/'), key: KEY, headers: { 'X-A': '1', 'x-a': '2' } }), TypeError);
    assert.throws(() => buildClientRequest({ url: parseWebSocketUrl('ws://h/'), key: KEY, headers: { Host: ['a', 'b'] } }), TypeError);
  });

  it('refuses an invalid origin, extension offer, key or protocol', () => {
    const url = parseWebSocketUrl('ws://h/');
    assert.throws(() => buildClientRequest({ url, key: KEY, origin: 'http://a\r\nX: 1' }), TypeError);
    assert.throws(() => buildClientRequest({ url, key: KEY, extensions: 'permessage-deflate;' }), TypeError);
    assert.throws(() => buildClientRequest({ url, key: KEY, extensions: 'a\r\nX: 1' }), TypeError);
    assert.throws(() => buildClientRequest({ url, key: 'short' }), TypeError);
    assert.throws(() => buildClientRequest({ url, key: KEY, protocols: ['a', 'a'] }), syntaxError);
  });
});

describe('credentials from the URL (RFC 7617 Basic)', () => {
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

  it('become Authorization: Basic over wss:', () => {
    const head = parseRequest(buildClientRequest({ url: parseWebSocketUrl('wss://al%C3%AFce:p%40ss@h/'), key: KEY }));
    assert.equal(head.headers['authorization'], basic('alïce', 'p@ss'));
  });

  it('are refused over plain ws: with WS_ERR_INSECURE_CREDENTIALS, without echoing them', () => {
    assert.throws(() => buildClientRequest({ url: parseWebSocketUrl('ws://user:hunter2@h/'), key: KEY }), (error: unknown) => {
      handshakeError('WS_ERR_INSECURE_CREDENTIALS', 0)(error);
      assert.ok(!(error as Error).message.includes('hunter2'));
      return true;
    });
    assert.throws(() => buildClientRequest({ url: parseWebSocketUrl('ws://user@h/'), key: KEY }), handshakeError('WS_ERR_INSECURE_CREDENTIALS'));
  });

  it('are sent over plain ws: with allowInsecureCredentials', () => {
    const head = parseRequest(buildClientRequest({ url: parseWebSocketUrl('ws://user:pw@h/'), key: KEY, allowInsecureCredentials: true }));
    assert.equal(head.headers['authorization'], basic('user', 'pw'));
  });

  it('give way to an Authorization header from the caller (then nothing insecure is sent)', () => {
    const head = parseRequest(buildClientRequest({ url: parseWebSocketUrl('ws://user:pw@h/'), key: KEY, headers: { authorization: 'Bearer t' } }));
    assert.deepEqual(head.rawHeaders.filter(([name]) => name.toLowerCase() === 'authorization'), [['authorization', 'Bearer t']]);
  });
});

describe('RFC 6455 §4.1: validateServerResponse', () => {
  const offer: ClientOffer = { key: KEY, protocols: ['chat', 'superchat'], extensions: ['permessage-deflate', 'x-other'] };
  const response = (fields: Record<string, string | undefined>, statusLine = 'HTTP/1.1 101 Switching Protocols'): ResponseHead => {
    const all: Record<string, string | undefined> = { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Accept': ACCEPT, ...fields };
    let text = `${statusLine}\r\n`;
    for (const [name, value] of Object.entries(all)) if (value !== undefined) text += `${name}: ${value}\r\n`;
    return parseResponse(`${text}\r\n`);
  };

  it('accepts the RFC §1.3 example response', () => {
    assert.deepEqual(validateServerResponse(response({ 'Sec-WebSocket-Protocol': 'chat' }), offer), { protocol: 'chat', extensions: '' });
  });

  it('returns no protocol when the server selects none, even though some were offered', () => {
    assert.deepEqual(validateServerResponse(response({}), offer), { protocol: '', extensions: '' });
  });

  it('returns the accepted extensions value verbatim', () => {
    const value = 'permessage-deflate; server_no_context_takeover, x-other';
    assert.deepEqual(validateServerResponse(response({ 'Sec-WebSocket-Extensions': value }), offer), { protocol: '', extensions: value });
  });

  it('accepts case and list variations the RFC allows', () => {
    assert.ok(validateServerResponse(response({ Upgrade: 'WebSocket', Connection: 'keep-alive, UPGRADE' }), offer));
    assert.ok(validateServerResponse(response({}, 'HTTP/1.1 101 Whatever'), offer));
  });

  const failures: [name: string, head: () => ResponseHead, code: string, status: number][] = [
    ['200 OK', () => response({}, 'HTTP/1.1 200 OK'), 'WS_ERR_UNEXPECTED_STATUS', 200],
    ['404', () => response({}, 'HTTP/1.1 404 Not Found'), 'WS_ERR_UNEXPECTED_STATUS', 404],
    ['302 (redirects are the caller\'s)', () => response({ Location: '/x' }, 'HTTP/1.1 302 Found'), 'WS_ERR_UNEXPECTED_STATUS', 302],
    ['100 Continue', () => response({}, 'HTTP/1.1 100 Continue'), 'WS_ERR_UNEXPECTED_STATUS', 100],
    ['no Upgrade', () => response({ Upgrade: undefined }), 'WS_ERR_INVALID_UPGRADE_HEADER', 101],
    ['Upgrade: h2c', () => response({ Upgrade: 'h2c' }), 'WS_ERR_INVALID_UPGRADE_HEADER', 101],
    ['Upgrade: websocket, h2c (must be exactly websocket)', () => response({ Upgrade: 'websocket, h2c' }), 'WS_ERR_INVALID_UPGRADE_HEADER', 101],
    ['no Connection', () => response({ Connection: undefined }), 'WS_ERR_INVALID_CONNECTION_HEADER', 101],
    ['Connection: keep-alive', () => response({ Connection: 'keep-alive' }), 'WS_ERR_INVALID_CONNECTION_HEADER', 101],
    ['no Sec-WebSocket-Accept', () => response({ 'Sec-WebSocket-Accept': undefined }), 'WS_ERR_INVALID_ACCEPT', 101],
    ['a wrong Sec-WebSocket-Accept', () => response({ 'Sec-WebSocket-Accept': computeAcceptKey('AAAAAAAAAAAAAAAAAAAAAA==') }), 'WS_ERR_INVALID_ACCEPT', 101],
    ['the key echoed as accept', () => response({ 'Sec-WebSocket-Accept': KEY }), 'WS_ERR_INVALID_ACCEPT', 101],
    ['Sec-WebSocket-Accept in lower case', () => response({ 'Sec-WebSocket-Accept': ACCEPT.toLowerCase() }), 'WS_ERR_INVALID_ACCEPT', 101],
    ['a protocol that was not offered', () => response({ 'Sec-WebSocket-Protocol': 'other' }), 'WS_ERR_UNEXPECTED_PROTOCOL', 101],
    ['a protocol in another case', () => response({ 'Sec-WebSocket-Protocol': 'Chat' }), 'WS_ERR_UNEXPECTED_PROTOCOL', 101],
    ['a list of protocols', () => response({ 'Sec-WebSocket-Protocol': 'chat, superchat' }), 'WS_ERR_UNEXPECTED_PROTOCOL', 101],
    ['an empty protocol', () => response({ 'Sec-WebSocket-Protocol': '' }), 'WS_ERR_UNEXPECTED_PROTOCOL', 101],
    ['an extension that was not offered', () => response({ 'Sec-WebSocket-Extensions': 'x-unknown' }), 'WS_ERR_UNEXPECTED_EXTENSION', 101],
    ['an offered and an unknown extension', () => response({ 'Sec-WebSocket-Extensions': 'permessage-deflate, x-unknown' }), 'WS_ERR_UNEXPECTED_EXTENSION', 101],
    ['one extension accepted twice', () => response({ 'Sec-WebSocket-Extensions': 'permessage-deflate, permessage-deflate' }), 'WS_ERR_UNEXPECTED_EXTENSION', 101],
    ['one extension accepted twice, in two cases', () => response({ 'Sec-WebSocket-Extensions': 'permessage-deflate, PERMESSAGE-DEFLATE' }), 'WS_ERR_UNEXPECTED_EXTENSION', 101],
    ['an unparsable extensions value', () => response({ 'Sec-WebSocket-Extensions': 'permessage-deflate;' }), 'WS_ERR_INVALID_EXTENSION_HEADER', 101],
    ['an empty extensions value', () => response({ 'Sec-WebSocket-Extensions': '' }), 'WS_ERR_INVALID_EXTENSION_HEADER', 101],
  ];
  for (const [name, head, code, status] of failures) {
    it(`fails for ${name} with ${code}`, () => {
      assert.throws(() => validateServerResponse(head(), offer), handshakeError(code as never, status));
    });
  }

  it('fails for any protocol when none was offered', () => {
    assert.throws(() => validateServerResponse(response({ 'Sec-WebSocket-Protocol': 'chat' }), { ...offer, protocols: [] }), handshakeError('WS_ERR_UNEXPECTED_PROTOCOL'));
  });

  it('accepts an offered extension named in another case (extension names are tokens, matched ignoring case)', () => {
    assert.doesNotThrow(() => validateServerResponse(response({ 'Sec-WebSocket-Extensions': 'Permessage-Deflate' }), offer));
  });

  it('fails for any extension when none was offered', () => {
    assert.throws(() => validateServerResponse(response({ 'Sec-WebSocket-Extensions': 'permessage-deflate' }), { ...offer, extensions: [] }), handshakeError('WS_ERR_UNEXPECTED_EXTENSION'));
  });

  it('checks in RFC order: status before Upgrade before Accept', () => {
    assert.throws(() => validateServerResponse(response({ Upgrade: undefined, 'Sec-WebSocket-Accept': undefined }, 'HTTP/1.1 403 Forbidden'), offer), handshakeError('WS_ERR_UNEXPECTED_STATUS', 403));
    assert.throws(() => validateServerResponse(response({ Upgrade: undefined, 'Sec-WebSocket-Accept': undefined }), offer), handshakeError('WS_ERR_INVALID_UPGRADE_HEADER'));
  });
});
