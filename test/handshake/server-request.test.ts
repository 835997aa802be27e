/**
 * The server's pure handshake functions: validating the client's request
 * (RFC 6455 §4.2.1) and building the 101 (§4.2.2) and refusal responses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildClientRequest, validateServerResponse } from '../../src/handshake/client-request.js';
import { HttpHeadReader, type RequestHead, type ResponseHead } from '../../src/handshake/http-head.js';
import { buildAcceptResponse, buildRejectResponse, reasonPhrase, validateClientRequest } from '../../src/handshake/server-request.js';
import { parseWebSocketUrl } from '../../src/handshake/url.js';
import { handshakeError, upgradeRequest } from './helpers.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

function request(text: string): RequestHead {
  const result = new HttpHeadReader<RequestHead>('request').push(Buffer.from(text, 'latin1'));
  assert.ok(result);
  return result.head;
}

function response(text: string): { head: ResponseHead; body: string } {
  const result = new HttpHeadReader<ResponseHead>('response').push(Buffer.from(text, 'utf8'));
  assert.ok(result);
  return { head: result.head, body: result.rest.toString('utf8') };
}

describe('RFC 6455 §4.2.1: validateClientRequest', () => {
  it('accepts the RFC §1.3 example request', () => {
    const head = request(upgradeRequest({ Origin: 'http://example.com', 'Sec-WebSocket-Protocol': 'chat, superchat' }));
    assert.deepEqual(validateClientRequest(head), {
      key: KEY,
      protocols: ['chat', 'superchat'],
      extensions: [],
      origin: 'http://example.com',
      resource: '/chat',
      host: 'server.example.com',
    });
  });

  it('parses the extension offers, fallbacks included', () => {
    const head = request(upgradeRequest({ 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits, permessage-deflate' }));
    assert.deepEqual(validateClientRequest(head).extensions, [
      { name: 'permessage-deflate', params: [['client_max_window_bits', true]] },
      { name: 'permessage-deflate', params: [] },
    ]);
  });

  const accepted: [string, string, Record<string, string>, string][] = [
    ['a list in Connection and Upgrade, any case', 'GET / HTTP/1.1', { Connection: 'keep-alive, UPGRADE', Upgrade: 'h2c, WebSocket' }, '/'],
    ['HTTP/1.2', 'GET /x?y=1 HTTP/1.2', {}, '/x?y=1'],
    ['HTTP/2.0 in HTTP/1 syntax', 'GET / HTTP/2.0', {}, '/'],
    ['absolute-form request-target (RFC 9112 §3.2.2)', 'GET ws://server.example.com/chat?a HTTP/1.1', {}, '/chat?a'],
    ['absolute-form with http:', 'GET http://server.example.com HTTP/1.1', {}, '/'],
    ['Content-Length: 0', 'GET / HTTP/1.1', { 'Content-Length': '0' }, '/'],
  ];
  for (const [name, line, fields, resource] of accepted) {
    it(`accepts ${name}`, () => assert.equal(validateClientRequest(request(upgradeRequest(fields, line))).resource, resource));
  }

  const rejected: [name: string, text: string, status: number, code: string][] = [
    ['POST', upgradeRequest({}, 'POST /chat HTTP/1.1'), 405, 'WS_ERR_INVALID_METHOD'],
    ['lower-case get (methods are case-sensitive)', upgradeRequest({}, 'get /chat HTTP/1.1'), 405, 'WS_ERR_INVALID_METHOD'],
    ['HTTP/1.0', upgradeRequest({}, 'GET /chat HTTP/1.0'), 400, 'WS_ERR_INVALID_HTTP_VERSION'],
    ['HTTP/0.9', upgradeRequest({}, 'GET /chat HTTP/0.9'), 400, 'WS_ERR_INVALID_HTTP_VERSION'],
    ['asterisk-form', upgradeRequest({}, 'GET * HTTP/1.1'), 400, 'WS_ERR_MALFORMED_HTTP'],
    ['authority-form', upgradeRequest({}, 'GET server.example.com:80 HTTP/1.1'), 400, 'WS_ERR_MALFORMED_HTTP'],
    ['absolute-form with ftp:', upgradeRequest({}, 'GET ftp://server.example.com/ HTTP/1.1'), 400, 'WS_ERR_MALFORMED_HTTP'],
    ['no Host', upgradeRequest({ Host: '' }), 400, 'WS_ERR_MISSING_HOST'],
    ['an empty Host', upgradeRequest({ Host: '' }).replace('Upgrade:', 'Host:\r\nUpgrade:'), 400, 'WS_ERR_MISSING_HOST'],
    ['two Host fields (RFC 9112 §3.2)', upgradeRequest({ 'X-A': 'b' }).replace('X-A: b', 'host: other.example'), 400, 'WS_ERR_MALFORMED_HTTP'],
    ['no Upgrade', upgradeRequest({ Upgrade: '' }), 400, 'WS_ERR_INVALID_UPGRADE_HEADER'],
    ['Upgrade: h2c', upgradeRequest({ Upgrade: 'h2c' }), 400, 'WS_ERR_INVALID_UPGRADE_HEADER'],
    ['Upgrade: websocket/13', upgradeRequest({ Upgrade: 'websocket/13' }), 400, 'WS_ERR_INVALID_UPGRADE_HEADER'],
    ['no Connection', upgradeRequest({ Connection: '' }), 400, 'WS_ERR_INVALID_CONNECTION_HEADER'],
    ['Connection: keep-alive', upgradeRequest({ Connection: 'keep-alive' }), 400, 'WS_ERR_INVALID_CONNECTION_HEADER'],
    ['Content-Length: 5', upgradeRequest({ 'Content-Length': '5' }), 400, 'WS_ERR_UNEXPECTED_BODY'],
    ['Content-Length: junk', upgradeRequest({ 'Content-Length': 'x' }), 400, 'WS_ERR_UNEXPECTED_BODY'],
    ['Transfer-Encoding: chunked', upgradeRequest({ 'Transfer-Encoding': 'chunked' }), 400, 'WS_ERR_UNEXPECTED_BODY'],
    ['no Sec-WebSocket-Version', upgradeRequest({ 'Sec-WebSocket-Version': '' }), 426, 'WS_ERR_UNSUPPORTED_VERSION'],
    ['Sec-WebSocket-Version: 8', upgradeRequest({ 'Sec-WebSocket-Version': '8' }), 426, 'WS_ERR_UNSUPPORTED_VERSION'],
    ['Sec-WebSocket-Version: 13, 8', upgradeRequest({ 'Sec-WebSocket-Version': '13, 8' }), 426, 'WS_ERR_UNSUPPORTED_VERSION'],
    ['Sec-WebSocket-Version: 013', upgradeRequest({ 'Sec-WebSocket-Version': '013' }), 426, 'WS_ERR_UNSUPPORTED_VERSION'],
    ['version checked before key (§4.4)', upgradeRequest({ 'Sec-WebSocket-Version': '8', 'Sec-WebSocket-Key': 'bad' }), 426, 'WS_ERR_UNSUPPORTED_VERSION'],
    ['no Sec-WebSocket-Key', upgradeRequest({ 'Sec-WebSocket-Key': '' }), 400, 'WS_ERR_INVALID_KEY'],
    ['a 15-byte key', upgradeRequest({ 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25j' }), 400, 'WS_ERR_INVALID_KEY'],
    ['two keys', upgradeRequest({ 'X-A': 'b' }).replace('X-A: b', `Sec-WebSocket-Key: ${KEY}`), 400, 'WS_ERR_INVALID_KEY'],
    ['an empty protocol list', upgradeRequest({ 'Sec-WebSocket-Protocol': 'chat,' }), 400, 'WS_ERR_INVALID_PROTOCOL_HEADER'],
    ['a protocol that is not a token', upgradeRequest({ 'Sec-WebSocket-Protocol': 'ch@t' }), 400, 'WS_ERR_INVALID_PROTOCOL_HEADER'],
    ['a protocol offered twice', upgradeRequest({ 'Sec-WebSocket-Protocol': 'chat, chat' }), 400, 'WS_ERR_INVALID_PROTOCOL_HEADER'],
    ['a malformed extension offer', upgradeRequest({ 'Sec-WebSocket-Extensions': 'permessage-deflate; a="b c"' }), 400, 'WS_ERR_INVALID_EXTENSION_HEADER'],
  ];
  for (const [name, text, status, code] of rejected) {
    it(`rejects ${name} with ${status} ${code}`, () => {
      assert.throws(() => validateClientRequest(request(text)), handshakeError(code as never, status));
    });
  }

  it('says where an extension offer is malformed', () => {
    assert.throws(() => validateClientRequest(request(upgradeRequest({ 'Sec-WebSocket-Extensions': 'a;;' }))), /Invalid Sec-WebSocket-Extensions: Unexpected character ";" at index 2/);
  });
});

describe('RFC 6455 §4.2.2: buildAcceptResponse', () => {
  it('writes the RFC §1.3 example response', () => {
    assert.equal(
      buildAcceptResponse({ key: KEY, protocol: 'chat' }),
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${ACCEPT}\r\n` +
        'Sec-WebSocket-Protocol: chat\r\n' +
        '\r\n',
    );
  });

  it('omits empty protocol and extensions, adds extensions and extra headers', () => {
    assert.ok(!buildAcceptResponse({ key: KEY, protocol: '', extensions: '' }).includes('Sec-WebSocket-Protocol'));
    const { head } = response(buildAcceptResponse({ key: KEY, extensions: 'permessage-deflate; server_no_context_takeover', headers: { 'Set-Cookie': ['a=1', 'b=2'], 'X-Server': 'test' } }));
    assert.deepEqual(head.rawHeaders.slice(3), [
      ['Sec-WebSocket-Extensions', 'permessage-deflate; server_no_context_takeover'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['X-Server', 'test'],
    ]);
  });

  it('is what the client validates (the two sides agree)', () => {
    const key = 'AQIDBAUGBwgJCgsMDQ4PEA==';
    const requestText = buildClientRequest({ url: parseWebSocketUrl('ws://h/'), key, protocols: ['a', 'b'], extensions: 'x-ext; p=1' });
    const offered = validateClientRequest(request(requestText));
    const { head } = response(buildAcceptResponse({ key: offered.key, protocol: 'b', extensions: 'x-ext' }));
    assert.deepEqual(validateServerResponse(head, { key, protocols: ['a', 'b'], extensions: ['x-ext'] }), { protocol: 'b', extensions: 'x-ext' });
  });

  for (const name of ['Upgrade', 'Connection', 'Sec-WebSocket-Accept', 'sec-websocket-protocol', 'Sec-WebSocket-Extensions', 'Content-Length', 'Transfer-Encoding']) {
    it(`refuses extra header ${name}`, () => assert.throws(() => buildAcceptResponse({ key: KEY, headers: { [name]: 'x' } }), TypeError));
  }

  it('refuses invalid inputs', () => {
    assert.throws(() => buildAcceptResponse({ key: 'nope' }), TypeError);
    assert.throws(() => buildAcceptResponse({ key: KEY, protocol: 'a b' }), TypeError);
    assert.throws(() => buildAcceptResponse({ key: KEY, protocol: 'a\r\nX: 1' }), TypeError);
    assert.throws(() => buildAcceptResponse({ key: KEY, extensions: 'a;' }), TypeError);
    assert.throws(() => buildAcceptResponse({ key: KEY, headers: { 'X-A': 'a\nb' } }), TypeError);
  });
});

describe('buildRejectResponse', () => {
  it('writes a complete 400 with the reason phrase as body', () => {
    assert.equal(
      buildRejectResponse(400),
      'HTTP/1.1 400 Bad Request\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 11\r\n' +
        '\r\n' +
        'Bad Request',
    );
  });

  it('counts Content-Length in UTF-8 bytes', () => {
    const { head, body } = response(buildRejectResponse(403, 'Origin refusé ✋'));
    assert.equal(head.status, 403);
    assert.equal(head.statusText, 'Forbidden');
    assert.equal(body, 'Origin refusé ✋');
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(body)));
  });

  it('426 carries Sec-WebSocket-Version: 13 and Upgrade (RFC 6455 §4.4, RFC 9110 §15.5.22)', () => {
    const { head } = response(buildRejectResponse(426));
    assert.equal(head.statusText, 'Upgrade Required');
    assert.equal(head.headers['sec-websocket-version'], '13');
    assert.equal(head.headers['upgrade'], 'websocket');
    assert.equal(head.headers['connection'], 'Upgrade, close');
  });

  it('405 carries Allow: GET (RFC 9110 §15.5.6)', () => {
    assert.equal(response(buildRejectResponse(405)).head.headers['allow'], 'GET');
  });

  it('takes extra headers (a redirect\'s Location) but not its own', () => {
    assert.equal(response(buildRejectResponse(302, 'moved', { Location: 'wss://example.com/' })).head.headers['location'], 'wss://example.com/');
    for (const name of ['Connection', 'content-type', 'Content-Length', 'Transfer-Encoding']) {
      assert.throws(() => buildRejectResponse(400, 'x', { [name]: 'y' }), TypeError, name);
    }
    assert.throws(() => buildRejectResponse(426, 'x', { 'Sec-WebSocket-Version': '13, 8' }), TypeError);
  });

  it('falls back to the number for a status without a known phrase', () => {
    assert.equal(reasonPhrase(499), '');
    assert.ok(buildRejectResponse(499).startsWith('HTTP/1.1 499 \r\n'));
    assert.ok(buildRejectResponse(499).endsWith('\r\n\r\n499'));
  });

  for (const status of [101, 200, 299, 600, 400.5, Number.NaN]) {
    it(`refuses status ${status}`, () => assert.throws(() => buildRejectResponse(status), RangeError));
  }
});
