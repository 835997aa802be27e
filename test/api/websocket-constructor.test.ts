/**
 * WHATWG WebSocket constructor and attributes
 * (https://websockets.spec.whatwg.org/#the-websocket-interface).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocket } from '../../src/index.js';
import { nextEvent, recordEvents, startEchoServer } from '../support/api.js';

const isDomException = (name: string) => (error: unknown) => error instanceof DOMException && error.name === name;

describe('new WebSocket(url, protocols)', () => {
  const badUrls: [string, string][] = [
    ['not a url', 'unparsable'],
    ['/relative', 'no base URL in Node'],
    ['ftp://example.com/', 'other scheme'],
    ['file:///tmp/x', 'file scheme'],
    ['ws://example.com/#fragment', 'fragment'],
    ['ws://example.com/#', 'empty fragment'],
  ];
  for (const [url, why] of badUrls) {
    it(`throws SyntaxError for ${JSON.stringify(url)} (${why})`, () => {
      assert.throws(() => new WebSocket(url), isDomException('SyntaxError'));
    });
  }

  it('throws SyntaxError for duplicate or non-token protocols', () => {
    for (const protocols of [['chat', 'chat'], ['a b'], [''], ['ünicode'], 'x,y', ['x', 'y,z']]) {
      assert.throws(() => new WebSocket('ws://127.0.0.1:1/', protocols), isDomException('SyntaxError'), JSON.stringify(protocols));
    }
  });

  it('throws TypeError for a header that would override the handshake (Node option)', () => {
    assert.throws(() => new WebSocket('ws://127.0.0.1:1/', [], { headers: { 'Sec-WebSocket-Key': 'x' } }), TypeError);
    assert.throws(() => new WebSocket('ws://127.0.0.1:1/', [], { headers: { 'X-Evil': 'a\r\nInjected: 1' } }), TypeError);
  });

  it('maps http(s) to ws(s) and serializes the url attribute', async (t) => {
    const { port } = await startEchoServer(t);
    const ws = new WebSocket(`http://127.0.0.1:${port}/path?q=1`);
    assert.equal(ws.url, `ws://127.0.0.1:${port}/path?q=1`);
    const secure = new WebSocket('HTTPS://Example.COM:443');
    assert.equal(secure.url, 'wss://example.com/');
    secure.close();
    await nextEvent(ws, 'open');
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('has the initial attribute values the spec gives', async (t) => {
    const { url } = await startEchoServer(t);
    const ws = new WebSocket(url, 'chat');
    assert.equal(ws.readyState, WebSocket.CONNECTING);
    assert.equal(ws.bufferedAmount, 0);
    assert.equal(ws.protocol, '');
    assert.equal(ws.extensions, '');
    assert.equal(ws.binaryType, 'blob');
    for (const handler of ['onopen', 'onmessage', 'onerror', 'onclose', 'onping', 'onpong'] as const) assert.equal(ws[handler], null, handler);
    assert.ok(ws instanceof EventTarget);
    assert.equal(Object.prototype.toString.call(ws), '[object WebSocket]');
    await nextEvent(ws, 'open');
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('exposes CONNECTING/OPEN/CLOSING/CLOSED on the class and on instances', () => {
    assert.deepEqual([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED], [0, 1, 2, 3]);
    const ws = new WebSocket('ws://127.0.0.1:1/');
    assert.deepEqual([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED], [0, 1, 2, 3]);
    ws.close();
  });

  it('fires no event before the constructor returns, and open before any message', async (t) => {
    const { wss, url } = await startEchoServer(t);
    // The server greets immediately: its first frame may share a TCP segment with the 101.
    wss.on('connection', (socket) => socket.send('greeting'));
    const ws = new WebSocket(url);
    const log = recordEvents(ws); // attached after the constructor returned
    await nextEvent(ws, 'message');
    assert.deepEqual(log, ['open', 'message:greeting']);
    ws.close();
    await nextEvent(ws, 'close');
  });

  it('a selected subprotocol appears in protocol', async (t) => {
    const { url } = await startEchoServer(t, { protocols: ['superchat', 'chat'] });
    const ws = new WebSocket(url, ['chat', 'superchat']);
    await nextEvent(ws, 'open');
    assert.equal(ws.protocol, 'chat', "the client's preference order wins among supported ones");
    ws.close();
    await nextEvent(ws, 'close');
  });
});
