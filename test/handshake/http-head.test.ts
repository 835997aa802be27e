/**
 * HttpHeadReader: incremental, bounded reading of one HTTP/1.1 head, with the
 * bytes after it handed back untouched.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HandshakeError } from '../../src/handshake/errors.js';
import { HttpHeadReader, type RequestHead, type ResponseHead } from '../../src/handshake/http-head.js';

const request = (text: string) => Buffer.from(text, 'latin1');

function readAll<H extends RequestHead | ResponseHead>(kind: H['kind'], chunks: Buffer[], limits = {}) {
  const reader = new HttpHeadReader<H>(kind, limits);
  for (const [i, chunk] of chunks.entries()) {
    const result = reader.push(chunk);
    // Later chunks belong to the frame layer: append them to the leftover.
    if (result) return { head: result.head, rest: Buffer.concat([result.rest, ...chunks.slice(i + 1)]) };
  }
  return null;
}

const UPGRADE = 'GET /chat?x=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';

describe('HttpHeadReader', () => {
  it('parses a request head split at every offset, and returns the bytes after it', () => {
    const wire = Buffer.concat([request(UPGRADE), Buffer.from([0x81, 0x00])]);
    for (let at = 1; at < wire.length; at++) {
      const result = readAll<RequestHead>('request', [wire.subarray(0, at), wire.subarray(at)]);
      assert.ok(result, `split at ${at}`);
      assert.equal(result.head.method, 'GET');
      assert.equal(result.head.target, '/chat?x=1');
      assert.equal(result.head.httpVersion, '1.1');
      assert.equal(result.head.headers['host'], 'example.com');
      assert.equal(result.head.headers['connection'], 'Upgrade');
      assert.deepEqual([...result.rest], [0x81, 0x00], `leftover after split at ${at}`);
    }
  });

  it('parses a status line, folds obs-fold lines, joins repeated fields, tolerates bare LF', () => {
    const result = readAll<ResponseHead>('response', [request(
      'HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nX-Long: a\n  b\nConnection: keep-alive\nconnection: Upgrade\n\n',
    )]);
    assert.ok(result);
    assert.equal(result.head.status, 101);
    assert.equal(result.head.statusText, 'Switching Protocols');
    assert.equal(result.head.headers['x-long'], 'a b');
    assert.equal(result.head.headers['connection'], 'keep-alive, Upgrade');
    assert.equal(result.rest.length, 0);
  });

  it('accepts a status line without a reason phrase', () => {
    const result = readAll<ResponseHead>('response', [request('HTTP/1.1 101\r\n\r\n')]);
    assert.equal(result?.head.status, 101);
  });

  const malformed: [string, string, string, number][] = [
    ['request', 'GET /\r\n\r\n', 'WS_ERR_MALFORMED_HTTP', 400],
    ['request', 'GET / HTTP/1.1 extra\r\n\r\n', 'WS_ERR_MALFORMED_HTTP', 400],
    ['request', 'GET / HTTP/11\r\n\r\n', 'WS_ERR_MALFORMED_HTTP', 400],
    ['request', 'G\u00e9T / HTTP/1.1\r\n\r\n', 'WS_ERR_MALFORMED_HTTP', 400],
    ['request', 'GET /\u00e9 HTTP/1.1\r\n\r\n', 'WS_ERR_MALFORMED_HTTP', 400],
    ['request', 'GET / HTTP/1.1\r\nNo colon here\r\n\r\n', 'WS_ERR_MALFORMED_HTTP', 400],
    ['request', 'GET / HTTP/1.1\r\nBad Name: x\r\n\r\n', 'WS_ERR_MALFORMED_HTTP', 400],
    ['request', 'GET / HTTP/1.1\r\nX: a\u0000b\r\n\r\n', 'WS_ERR_MALFORMED_HTTP', 400],
    ['request', 'GET / HTTP/1.1\r\n folded-first\r\n\r\n', 'WS_ERR_MALFORMED_HTTP', 400],
    ['request', 'GET / HTTP/1.1\r\nX: a\rb\r\n\r\n', 'WS_ERR_MALFORMED_HTTP', 400],
    ['response', 'HTTP/1.1 1O1 Switching\r\n\r\n', 'WS_ERR_MALFORMED_HTTP', 400],
    ['response', 'HTTP/1.1 1011\r\n\r\n', 'WS_ERR_MALFORMED_HTTP', 400],
    ['response', 'ICY 200 OK\r\n\r\n', 'WS_ERR_MALFORMED_HTTP', 400],
  ];
  for (const [kind, text, code, status] of malformed) {
    it(`rejects ${JSON.stringify(text.split(/\r?\n/)[0] + (text.split(/\r?\n/)[1] ? ' / ' + text.split(/\r?\n/)[1] : ''))}`, () => {
      assert.throws(() => readAll(kind as 'request', [request(text)]), (e: unknown) => e instanceof HandshakeError && e.code === code && e.status === status);
    });
  }

  it('stops at maxHeaderBytes without a terminator (431), never buffering past it', () => {
    const reader = new HttpHeadReader('request', { maxHeaderBytes: 1024 });
    reader.push(request('GET / HTTP/1.1\r\n'));
    assert.throws(() => {
      for (let i = 0; i < 1000; i++) reader.push(request('X-Filler: yyyyyyyyyyyyyyyyyyyy\r\n'));
    }, (e: unknown) => e instanceof HandshakeError && e.code === 'WS_ERR_HEADER_TOO_LARGE' && e.status === 431);
    assert.ok(reader.bufferedBytes < 1100);
  });

  it('counts header fields (431 past maxHeaderCount)', () => {
    const many = 'GET / HTTP/1.1\r\n' + Array.from({ length: 11 }, (_, i) => `X-${i}: v\r\n`).join('') + '\r\n';
    assert.throws(() => readAll('request', [request(many)], { maxHeaderCount: 10 }), (e: unknown) => e instanceof HandshakeError && e.code === 'WS_ERR_TOO_MANY_HEADERS');
    assert.ok(readAll('request', [request(many)], { maxHeaderCount: 11 }));
  });
});
