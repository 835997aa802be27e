/** Benchmark payloads (bench/payloads.ts) and the raw conns client's handshake and frames (bench/conns/raw-handshake.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constants, inflateRawSync } from 'node:zlib';
import { FrameParser } from '../../src/frame/parser.js';
import { completeFrameLength, handshakeRequest, parseResponseHead, textFrame } from '../../bench/conns/raw-handshake.js';
import { isPayloadKind, jsonLike, makePayload } from '../../bench/payloads.js';

describe('bench payloads', () => {
  it('every kind has exactly the requested size', () => {
    for (const size of [0, 16, 1024, 65536]) {
      assert.equal((makePayload('binary', size) as Buffer).length, size);
      assert.equal(Buffer.byteLength(makePayload('text', size) as string), size);
      assert.equal(Buffer.byteLength(makePayload('json', size) as string), size);
    }
    assert.equal((makePayload('binary', 300) as Buffer)[257], 1);
  });

  it('jsonLike is deterministic, ASCII, record-shaped and compressible but not trivially', () => {
    const text = jsonLike(4096);
    assert.equal(text, jsonLike(4096));
    assert.match(text, /^\[\{"id":0,"user":"[a-z]+-\d+","score":/);
    assert.ok(/^[\x20-\x7e]*$/.test(text));
    assert.ok(new Set(text.match(/"user":"[^"]+"/g)).size > 20);
  });

  it('isPayloadKind', () => {
    assert.ok(isPayloadKind('json'));
    assert.ok(!isPayloadKind('xml'));
  });
});

describe('bench raw handshake (conns client)', () => {
  it('builds a valid upgrade request, with the deflate offer only when asked', () => {
    const plain = handshakeRequest(8080, false).toString('latin1');
    assert.match(plain, /^GET \/ HTTP\/1\.1\r\nHost: 127\.0\.0\.1:8080\r\n/);
    assert.match(plain, /Sec-WebSocket-Version: 13\r\n\r\n$/);
    assert.doesNotMatch(plain, /permessage-deflate/);
    assert.match(handshakeRequest(8080, true).toString('latin1'), /Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n/);
  });

  it('parses a response head once complete, with the extensions and the bytes after it', () => {
    const response = Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nsec-websocket-extensions: permessage-deflate\r\n\r\n\x81\x00', 'latin1');
    assert.equal(parseResponseHead(response.subarray(0, 20)), null);
    const head = parseResponseHead(response)!;
    assert.equal(head.status, 101);
    assert.equal(head.extensions, 'permessage-deflate');
    assert.deepEqual([...head.rest], [0x81, 0x00]);
    assert.equal(parseResponseHead(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'))!.status, 400);
  });

  it('textFrame: a masked frame rfc6455 parses; compressed, RSV1 and raw deflate without the tail', () => {
    const text = jsonLike(300);
    const messages: string[] = [];
    const parser = new FrameParser({ role: 'server' }, {
      onMessage: (data) => messages.push(data.toString()),
      onPing() {}, onPong() {}, onClose() {},
      onError: (e) => { throw e; },
    });
    parser.push(textFrame(text, false));
    assert.deepEqual(messages, [text]);

    const frame = textFrame(text, true, 0);
    assert.equal(frame[0], 0xc1);
    const len7 = frame[1]! & 0x7f;
    const [header, length] = len7 < 126 ? [2, len7] : [4, frame.readUInt16BE(2)];
    assert.equal(frame.length, header + 4 + length);
    const payload = frame.subarray(header + 4);
    assert.equal(inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH }).toString(), text);
  });

  it('completeFrameLength waits for the whole frame, for all three length encodings', () => {
    assert.equal(completeFrameLength(Buffer.from([0x81])), 0);
    assert.equal(completeFrameLength(Buffer.from([0x81, 0x02, 0x61])), 0);
    assert.equal(completeFrameLength(Buffer.from([0x81, 0x02, 0x61, 0x62, 0x00])), 4);
    const medium = Buffer.concat([Buffer.from([0x82, 126, 0x01, 0x00]), Buffer.alloc(256)]);
    assert.equal(completeFrameLength(medium), 260);
    assert.equal(completeFrameLength(medium.subarray(0, 100)), 0);
    const large = Buffer.concat([Buffer.from([0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]), Buffer.alloc(65536)]);
    assert.equal(completeFrameLength(large), 65546);
  });
});
