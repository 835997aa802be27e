/**
 * The src/handshake entry point exports the layer's public API.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as handshake from '../../src/handshake/index.js';

it('exports the pure functions, the socket glue, the error class and the limits', () => {
  for (const name of [
    'computeAcceptKey', 'createClientKey', 'isValidClientKey', 'parseWebSocketUrl', 'validateProtocols', 'buildClientRequest',
    'validateServerResponse', 'validateClientRequest', 'buildAcceptResponse', 'buildRejectResponse', 'parseProtocolHeader',
    'parseExtensionHeader', 'formatExtensionHeader', 'connectClient', 'readRequestHead', 'rejectConnection',
    'requestHeadFromIncomingMessage', 'HttpHeadReader', 'HandshakeError', 'HeaderSyntaxError',
  ] as const) {
    assert.equal(typeof handshake[name], 'function', name);
  }
  assert.equal(handshake.DEFAULT_HANDSHAKE_TIMEOUT, 30_000);
  assert.equal(handshake.DEFAULT_MAX_HEADER_BYTES, 16 * 1024);
  assert.equal(handshake.DEFAULT_MAX_REDIRECTS, 10);
  assert.equal(handshake.DEFAULT_REJECT_GRACE_PERIOD, 1000);
  assert.equal(handshake.WEBSOCKET_GUID, '258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
});
