/**
 * The key exchange of the opening handshake (RFC 6455 §1.3, §4.1, §4.2.1).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeAcceptKey, createClientKey, isValidClientKey, WEBSOCKET_GUID } from '../../src/handshake/accept-key.js';

describe('RFC 6455 §1.3 Sec-WebSocket-Accept', () => {
  it('matches the RFC example: dGhlIHNhbXBsZSBub25jZQ== → s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', () => {
    assert.equal(WEBSOCKET_GUID, '258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    assert.equal(computeAcceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('depends on every character of the key', () => {
    assert.notEqual(computeAcceptKey('dGhlIHNhbXBsZSBub25jZA=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('RFC 6455 §4.1 item 7: a fresh random key per connection', () => {
  it('is 16 random bytes in base64, different every time', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const key = createClientKey();
      assert.ok(isValidClientKey(key), key);
      assert.equal(Buffer.from(key, 'base64').length, 16);
      keys.add(key);
    }
    assert.equal(keys.size, 100);
  });
});

describe('RFC 6455 §4.2.1 item 5: a valid Sec-WebSocket-Key decodes to 16 bytes', () => {
  const cases: [string, boolean][] = [
    ['dGhlIHNhbXBsZSBub25jZQ==', true],
    ['AAAAAAAAAAAAAAAAAAAAAA==', true],
    ['+/+/+/+/+/+/+/+/+/+/+w==', true],
    ['dGhlIHNhbXBsZSBub25jZQ=', false], // 23 characters
    ['dGhlIHNhbXBsZSBub25jZQ===', false], // 25 characters
    ['dGhlIHNhbXBsZSBub25jZQAA', false], // no padding: 18 bytes
    ['dGhlIHNhbXBsZSBub25j====', false], // 15 bytes
    ['dGhlIHNhbXBsZSBub25jZ-==', false], // base64url alphabet
    ['dGhlIHNhbXBsZSBub25jZ ==', false],
    ['', false],
  ];
  for (const [key, valid] of cases) {
    it(`${JSON.stringify(key)} is ${valid ? 'valid' : 'invalid'}`, () => assert.equal(isValidClientKey(key), valid));
  }
});
