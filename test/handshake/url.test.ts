/**
 * WebSocket URLs: the WHATWG WebSocket constructor's URL steps, RFC 6455 §3
 * resource names and Host values, and the ws+unix: extension.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeEndpoint, isSameEndpoint, parseWebSocketUrl, type WebSocketUrl } from '../../src/handshake/url.js';
import { syntaxError } from './helpers.js';

type Expected = { [K in keyof WebSocketUrl]?: WebSocketUrl[K] | undefined };

const valid: [input: string, base: string | undefined, expected: Expected][] = [
  ['ws://example.com', undefined, { href: 'ws://example.com/', secure: false, hostname: 'example.com', port: 80, resource: '/', hostHeader: 'example.com', socketPath: undefined, username: '', password: '' }],
  ['wss://example.com/chat?x=1&y', undefined, { href: 'wss://example.com/chat?x=1&y', secure: true, port: 443, resource: '/chat?x=1&y', hostHeader: 'example.com' }],
  // WHATWG step: http → ws, https → wss; a default port disappears with the scheme change.
  ['http://example.com:8080/a', undefined, { href: 'ws://example.com:8080/a', secure: false, port: 8080, hostHeader: 'example.com:8080' }],
  ['http://example.com:80/', undefined, { href: 'ws://example.com/', port: 80, hostHeader: 'example.com' }],
  ['https://example.com:443/', undefined, { href: 'wss://example.com/', secure: true, port: 443, hostHeader: 'example.com' }],
  ['HTTPS://Example.COM/Path', undefined, { href: 'wss://example.com/Path', hostname: 'example.com', resource: '/Path' }],
  // RFC 6455 §4.1 item 4: the port is in Host only when it is not the default.
  ['ws://example.com:443/', undefined, { port: 443, hostHeader: 'example.com:443' }],
  ['wss://example.com:80/', undefined, { port: 80, hostHeader: 'example.com:80' }],
  // IPv6: brackets in Host and href, not in the hostname to connect to.
  ['ws://[::1]:9000/p?q', undefined, { href: 'ws://[::1]:9000/p?q', hostname: '::1', port: 9000, hostHeader: '[::1]:9000', resource: '/p?q' }],
  ['wss://[2001:DB8::1]/', undefined, { hostname: '2001:db8::1', port: 443, hostHeader: '[2001:db8::1]' }],
  ['ws://127.0.0.1:1/', undefined, { hostname: '127.0.0.1', port: 1, hostHeader: '127.0.0.1:1' }],
  // The URL parser's normalisations, as browsers do them.
  ['ws://example.com/a/../b/./c', undefined, { href: 'ws://example.com/b/c', resource: '/b/c' }],
  ['ws://bücher.example/', undefined, { hostname: 'xn--bcher-kva.example', hostHeader: 'xn--bcher-kva.example' }],
  ['ws://example.com/ä ö', undefined, { resource: '/%C3%A4%20%C3%B6' }],
  // RFC 6455 §3: "?" only if the query is non-empty; an empty path is "/".
  ['ws://example.com/?', undefined, { href: 'ws://example.com/?', resource: '/' }],
  ['ws://example.com?x', undefined, { href: 'ws://example.com/?x', resource: '/?x' }],
  // Credentials, percent-decoded.
  ['wss://user:p%40ss@example.com/', undefined, { username: 'user', password: 'p@ss', href: 'wss://user:p%40ss@example.com/' }],
  ['wss://%C3%BC%zz@example.com/', undefined, { username: 'ü%zz', password: '' }],
  // Relative URLs against a base (the API's base URL).
  ['/chat', 'https://example.com/app/', { href: 'wss://example.com/chat' }],
  ['chat?room=1', 'http://example.com/app/', { href: 'ws://example.com/app/chat?room=1', resource: '/app/chat?room=1' }],
  ['//other.example:81/x', 'wss://example.com/', { href: 'wss://other.example:81/x', port: 81 }],
  // ws+unix: socket path before the first ":" of the path, request path after it.
  ['ws+unix:/tmp/app.sock:/chat?x=1', undefined, { socketPath: '/tmp/app.sock', resource: '/chat?x=1', hostname: '', port: 0, hostHeader: 'localhost', secure: false }],
  ['ws+unix:/tmp/app.sock', undefined, { socketPath: '/tmp/app.sock', resource: '/' }],
  ['ws+unix:///tmp/app.sock:/c', undefined, { socketPath: '/tmp/app.sock', resource: '/c' }],
  ['ws+unix:/tmp/a b.sock:chat', undefined, { socketPath: '/tmp/a b.sock', resource: '/chat' }],
  ['ws+unix:/tmp/x.sock:/a:b', undefined, { socketPath: '/tmp/x.sock', resource: '/a:b' }],
  ['ws+unix:relative.sock:/', undefined, { socketPath: 'relative.sock', resource: '/' }],
];

describe('WHATWG WebSocket constructor: valid URLs', () => {
  for (const [input, base, expected] of valid) {
    it(`${input}${base === undefined ? '' : ` against ${base}`}`, () => {
      const url = parseWebSocketUrl(input, base);
      for (const [field, value] of Object.entries(expected)) {
        assert.deepEqual(url[field as keyof WebSocketUrl], value, field);
      }
    });
  }

  it('takes URL objects', () => {
    assert.equal(parseWebSocketUrl(new URL('https://example.com/x')).href, 'wss://example.com/x');
  });

  it('does not change the caller\'s URL object', () => {
    const url = new URL('http://example.com/');
    parseWebSocketUrl(url);
    assert.equal(url.href, 'http://example.com/');
  });
});

const invalid: [input: string, base?: string][] = [
  ['ftp://example.com/'],
  ['file:///tmp/x'],
  ['javascript:alert(1)'],
  ['data:text/plain,hi'],
  ['mailto:a@example.com'],
  ['wss+unix:/tmp/s'], // there is no wss+unix
  ['not a url'],
  [''],
  ['ws://'],
  ['ws://exa mple.com/'],
  ['ws://example.com:99999/'],
  ['/chat'], // relative without a base
  // WHATWG: "If urlRecord's fragment is non-null, throw a SyntaxError" — even an empty one.
  ['ws://example.com/#'],
  ['ws://example.com/#frag'],
  ['https://example.com/a#b'],
  ['/chat#x', 'https://example.com/'],
  ['ws+unix:/tmp/s.sock:/#x'],
  // ws+unix: no host, no empty or NUL socket path.
  ['ws+unix://host/tmp/s.sock'],
  ['ws+unix:'],
  ['ws+unix::/chat'],
  ['ws+unix:/tmp/%00.sock'],
];

describe('WHATWG WebSocket constructor: invalid URLs throw SyntaxError', () => {
  for (const [input, base] of invalid) {
    it(`${JSON.stringify(input)}${base === undefined ? '' : ` against ${base}`}`, () => {
      assert.throws(() => parseWebSocketUrl(input, base), syntaxError);
    });
  }

  it('never repeats the URL (credentials, tokens) in the message', () => {
    for (const input of ['ftp://user:hunter2@example.com/?token=hunter2', 'ws://user:hunter2@example.com/#hunter2']) {
      assert.throws(() => parseWebSocketUrl(input), (error: unknown) => syntaxError(error) && !(error as Error).message.includes('hunter2'));
    }
  });
});

describe('endpoints', () => {
  const u = (s: string) => parseWebSocketUrl(s);
  it('describeEndpoint shows scheme and authority only', () => {
    assert.equal(describeEndpoint(u('wss://user:secret@example.com:8443/path?token=secret')), 'wss://example.com:8443');
    assert.equal(describeEndpoint(u('ws://[::1]/')), 'ws://[::1]');
    assert.equal(describeEndpoint(u('ws+unix:/tmp/s.sock:/x?secret')), 'ws+unix:/tmp/s.sock');
  });

  it('isSameEndpoint compares scheme, host and port, or the socket path', () => {
    assert.equal(isSameEndpoint(u('ws://a.example/x'), u('ws://A.example:80/y?z')), true);
    assert.equal(isSameEndpoint(u('ws://a.example/'), u('wss://a.example/')), false);
    assert.equal(isSameEndpoint(u('ws://a.example/'), u('ws://a.example:81/')), false);
    assert.equal(isSameEndpoint(u('ws://a.example/'), u('ws://b.example/')), false);
    assert.equal(isSameEndpoint(u('ws+unix:/s:/a'), u('ws+unix:/s:/b')), true);
    assert.equal(isSameEndpoint(u('ws+unix:/s'), u('ws+unix:/t')), false);
    assert.equal(isSameEndpoint(u('ws+unix:/s'), u('ws://localhost/')), false);
  });
});
