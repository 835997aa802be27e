/**
 * The tester's own wire pieces: the lenient frame reader (RFC 6455 §5.2
 * framing, whatever the bits say), the frame writer (any opcode and RSV bits,
 * masking per role), payload helpers, and the handshake checks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameParser } from '../../src/frame/parser.js';
import { computeAcceptKey } from '../../src/handshake/accept-key.js';
import type { RequestHead, ResponseHead } from '../../src/handshake/http-head.js';
import { bytesEqual, hex, materialize, preview, repeated } from '../../src/tools/conformance/bytes.js';
import { FrameReader, type RawFrame } from '../../src/tools/conformance/frame-reader.js';
import { closePayloadViolation, frameViolation, readClosePayload } from '../../src/tools/conformance/frame-rules.js';
import { buildFrame, buildHeader, closePayload, maskPiece } from '../../src/tools/conformance/frame-writer.js';
import { checkResponse, checkUpgradeRequest, hasToken } from '../../src/tools/conformance/handshake.js';
import { MAX_WIRE_LOG_ENTRIES, WireLog } from '../../src/tools/conformance/wirelog.js';

function readAll(bytes: Buffer, chunkSizes: number[] = [bytes.length], limit = 1 << 20): { frames: RawFrame[]; errors: string[] } {
  const frames: RawFrame[] = [];
  const errors: string[] = [];
  const reader = new FrameReader(limit, { onFrame: (f) => frames.push(f), onError: (e) => errors.push(e) });
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    reader.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return { frames, errors };
}

describe('FrameReader', () => {
  it('reads the RFC 6455 §5.7 examples, whole and one byte at a time', () => {
    const stream = hex('81 05 48656c6c6f  81 85 37fa213d 7f9f4d5158  01 03 48656c 80 02 6c6f  89 05 48656c6c6f');
    for (const sizes of [[stream.length], [1], [2, 3, 5]]) {
      const { frames, errors } = readAll(stream, sizes);
      assert.deepEqual(errors, []);
      assert.deepEqual(frames.map((f) => [f.opcode, f.fin, f.masked, f.payload.toString()]), [
        [1, true, false, 'Hello'], [1, true, true, 'Hello'], [1, false, false, 'Hel'], [0, true, false, 'lo'], [9, true, false, 'Hello'],
      ]);
    }
  });
  it('reports RSV bits and reserved opcodes instead of rejecting them', () => {
    const { frames } = readAll(hex('f3 00 9b 01 2a'));
    assert.deepEqual(frames.map((f) => [f.rsv, f.opcode, f.payload.length]), [[7, 3, 0], [1, 11, 1]]);
  });
  it('reads 16- and 64-bit lengths and flags non-minimal encodings (RFC 6455 §5.2)', () => {
    const long = Buffer.concat([hex('82 7e 0100'), Buffer.alloc(256, 7), hex('82 7f 0000000000010000'), Buffer.alloc(65536, 8)]);
    const { frames } = readAll(long, [1000]);
    assert.deepEqual(frames.map((f) => [f.payload.length, f.nonMinimalLength]), [[256, false], [65536, false]]);
    const padded = readAll(Buffer.concat([hex('81 7e 0005'), Buffer.from('Hello'), hex('81 7f 0000000000000001 41')]));
    assert.deepEqual(padded.frames.map((f) => [f.payload.toString(), f.nonMinimalLength]), [['Hello', true], ['A', true]]);
  });
  it('stops on a length with the top bit set, or beyond its limit', () => {
    assert.match(readAll(hex('82 7f 8000000000000000')).errors[0]!, /most significant bit/);
    const { frames, errors } = readAll(Buffer.concat([hex('82 7e 0400'), Buffer.alloc(1024)]), [3], 1000);
    assert.equal(frames.length, 0);
    assert.match(errors[0]!, /exceeds the tester's limit/);
  });
});

describe('frame rules: what a peer may not send', () => {
  const frame = (fields: Partial<RawFrame>): RawFrame => ({ fin: true, rsv: 0, opcode: 1, masked: false, nonMinimalLength: false, payload: Buffer.alloc(0), ...fields });
  const rule = (f: Partial<RawFrame>, tester: 'client' | 'server' = 'client') => frameViolation(frame(f), tester);
  it('a well-formed frame breaks nothing, for either role', () => {
    assert.equal(rule({}), null);
    assert.equal(rule({ masked: true }, 'server'), null);
    assert.equal(rule({ opcode: 9, payload: Buffer.alloc(125) }), null);
  });
  it('names the rule for each violation (RFC 6455 §5.1, §5.2, §5.5)', () => {
    assert.deepEqual(rule({ rsv: 4 }), { rule: 'RFC 6455 §5.2', detail: 'RSV bits 100 set, but no extension was negotiated' });
    assert.match(rule({ opcode: 11 })!.detail, /reserved opcode 11/);
    assert.match(rule({ masked: true })!.detail, /server sent a masked frame/);
    assert.match(rule({ masked: false }, 'server')!.detail, /client sent an unmasked frame/);
    assert.match(rule({ nonMinimalLength: true })!.detail, /minimal number of bytes/);
    assert.match(rule({ opcode: 9, fin: false })!.detail, /fragmented control frame/);
    assert.match(rule({ opcode: 10, payload: Buffer.alloc(126) })!.detail, /126-byte payload/);
  });
  it('with permessage-deflate: RSV1 on the first frame of a data message only (RFC 7692 §6.1)', () => {
    const deflate = (f: Partial<RawFrame>) => frameViolation(frame(f), 'client', { perMessageDeflate: true });
    assert.equal(deflate({ rsv: 4 }), null);
    assert.equal(deflate({ rsv: 4, opcode: 2, fin: false }), null);
    assert.deepEqual(deflate({ rsv: 4, opcode: 0 }), { rule: 'RFC 7692 §6.1', detail: 'RSV1 set on a continuation frame (only the first frame of a message may have it)' });
    assert.deepEqual(deflate({ rsv: 4, opcode: 9 }), { rule: 'RFC 7692 §6.1', detail: 'RSV1 set on a control frame (opcode 9)' });
    assert.match(deflate({ rsv: 2 })!.detail, /RSV bits 010 set, but only RSV1 has a meaning/);
    assert.match(deflate({ rsv: 6 })!.detail, /RSV bits 110/);
    assert.match(deflate({ rsv: 4, masked: true })!.detail, /masked/, 'the other rules still apply');
  });
  it('close payloads: length 1, invalid codes (unless the case accepts them), reasons that are not UTF-8', () => {
    assert.equal(closePayloadViolation(Buffer.alloc(0), []), null);
    assert.equal(closePayloadViolation(closePayload(1000, Buffer.from('bye')), []), null);
    assert.match(closePayloadViolation(Buffer.from('a'), [])!.detail, /1-byte payload/);
    assert.match(closePayloadViolation(closePayload(1005, undefined), [])!.detail, /invalid code 1005/);
    assert.equal(closePayloadViolation(closePayload(5000, undefined), [1000, 5000, 1002]), null);
    assert.match(closePayloadViolation(closePayload(1000, hex('eda080')), [])!.detail, /not valid UTF-8/);
    assert.deepEqual(readClosePayload(closePayload(4000, hex('ff'))), { code: 4000, reason: '0xff' });
    assert.deepEqual(readClosePayload(Buffer.alloc(0)), { code: null, reason: '' });
  });
});

describe('frame writer', () => {
  it('builds exact unmasked frames with any opcode and RSV bits', () => {
    assert.equal(buildFrame({ opcode: 1, fin: true, rsv: 0, mask: false }, Buffer.from('Hello')).toString('hex'), '810548656c6c6f');
    assert.equal(buildFrame({ opcode: 3, fin: false, rsv: 7, mask: false }, Buffer.alloc(0)).toString('hex'), '7300');
    assert.equal(buildFrame({ opcode: 1, fin: true, rsv: 4, mask: false }, Buffer.alloc(0)).toString('hex'), 'c100');
    assert.equal(buildFrame({ opcode: 9, fin: true, rsv: 0, mask: false }, Buffer.alloc(126)).subarray(0, 4).toString('hex'), '897e007e');
  });
  it('masked frames parse back with the library parser (server role)', () => {
    const events: string[] = [];
    const parser = new FrameParser({ role: 'server' }, {
      onMessage: (data) => events.push(data.toString()), onPing: () => undefined, onPong: () => undefined,
      onClose: (code, reason) => events.push(`${code} ${reason}`), onError: (e) => events.push(e.code),
    });
    parser.push(buildFrame({ opcode: 1, fin: true, rsv: 0, mask: true }, Buffer.from('masked text')));
    parser.push(buildFrame({ opcode: 8, fin: true, rsv: 0, mask: true }, closePayload(1001, Buffer.from('bye'))));
    assert.deepEqual(events, ['masked text', '1001 bye']);
  });
  it('a frame sent in pieces masks each piece with the running key phase', () => {
    const payload = Buffer.from('split across three pieces');
    const { header, maskKey } = buildHeader({ opcode: 1, fin: true, rsv: 0, mask: true }, payload.length);
    const pieces = [maskPiece(payload.subarray(0, 5), maskKey, 0), maskPiece(payload.subarray(5, 6), maskKey, 5), maskPiece(payload.subarray(6), maskKey, 6)];
    const { frames } = readAll(Buffer.concat([header, ...pieces]));
    assert.equal(frames[0]!.payload.toString(), payload.toString());
  });
  it('close payloads: code and reason, any code, or just the given bytes', () => {
    assert.equal(closePayload(1000, undefined).toString('hex'), '03e8');
    assert.equal(closePayload(65535, Buffer.from('x')).toString('hex'), 'ffff78');
    assert.equal(closePayload(undefined, Buffer.from('a')).toString('hex'), '61');
    assert.equal(closePayload(undefined, undefined).length, 0);
  });
});

describe('payload helpers', () => {
  it('repeated patterns are cut to length and equal their materialization', () => {
    const r = repeated('abc', 10);
    assert.equal(materialize(r).toString(), 'abcabcabca');
    assert.equal(materialize(repeated('xy', 0)).length, 0);
    assert.ok(bytesEqual(r, Buffer.from('abcabcabca')));
    assert.ok(!bytesEqual(r, Buffer.from('abcabcabcb')));
    assert.ok(!bytesEqual(r, Buffer.from('abc')));
    // 2^20 = 104857 × 10 + 6: the megabyte ends with the first 6 bytes of the pattern.
    assert.equal(materialize(repeated('BAsd7&jh23', 1 << 20)).subarray(-8).toString(), '23BAsd7&');
  });
  it('preview shows text as text, bytes as hex, and shortens', () => {
    assert.equal(preview(Buffer.from('Hello')), '"Hello"');
    assert.equal(preview(hex('cebae1')), '0xcebae1');
    assert.equal(preview(Buffer.alloc(0)), '(empty)');
    assert.equal(preview(repeated('*', 100)), `"${'*'.repeat(64)}" … (100 bytes)`);
    assert.equal(preview(Buffer.from('tab\there')), '0x7461620968657265');
  });
});

describe('wire log', () => {
  it('keeps at most MAX_WIRE_LOG_ENTRIES lines and says how many it left out', () => {
    const log = new WireLog();
    for (let i = 0; i < MAX_WIRE_LOG_ENTRIES + 10; i++) log.add('note', `line ${i}`);
    const entries = log.finish();
    assert.equal(entries.length, MAX_WIRE_LOG_ENTRIES + 1);
    assert.match(entries.at(-1)!.text, /10 more lines/);
  });
  it('renders close frames with their code and reason', () => {
    const log = new WireLog();
    assert.match(log.frameText({ opcode: 8, fin: true, rsv: 0, masked: false, length: 5 }, closePayload(1002, Buffer.from('bad'))), /code=1002 reason="bad"/);
  });
});

describe('handshake checks', () => {
  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  const response = (headers: Record<string, string>, status = 101): ResponseHead => ({
    kind: 'response', httpVersion: '1.1', status, statusText: 'Switching Protocols', headers, rawHeaders: [],
  });
  const good = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': computeAcceptKey(key) };
  it('accepts the RFC 6455 §1.3 response', () => assert.equal(checkResponse(response(good), key), null));
  it('rejects what RFC 6455 §4.1 says a client MUST reject', () => {
    assert.match(checkResponse(response(good, 200), key)!, /200/);
    assert.match(checkResponse(response({ ...good, upgrade: 'h2c' }), key)!, /Upgrade/);
    assert.match(checkResponse(response({ ...good, connection: 'keep-alive' }), key)!, /Connection/);
    assert.match(checkResponse(response({ ...good, 'sec-websocket-accept': 'nope' }), key)!, /Accept/);
    assert.match(checkResponse(response({ ...good, 'sec-websocket-extensions': 'permessage-deflate' }), key)!, /extensions/);
    assert.match(checkResponse(response({ ...good, 'sec-websocket-protocol': 'chat' }), key)!, /subprotocol/);
  });
  it('leaves Sec-WebSocket-Extensions to the caller when it made an offer (sections 12–13)', () => {
    assert.equal(checkResponse(response({ ...good, 'sec-websocket-extensions': 'permessage-deflate; x' }), key, true), null);
  });
  const request = (headers: Record<string, string>, method = 'GET', httpVersion = '1.1'): RequestHead => ({
    kind: 'request', method, target: '/', httpVersion, headers, rawHeaders: [],
  });
  const valid = { host: 'x', upgrade: 'websocket', connection: 'keep-alive, Upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': key };
  it('accepts a valid upgrade request (Connection may list other tokens)', () => assert.equal(checkUpgradeRequest(request(valid)), null));
  it('rejects what RFC 6455 §4.2.1 requires, with the status to answer', () => {
    assert.equal(checkUpgradeRequest(request(valid, 'POST'))!.status, 405);
    assert.equal(checkUpgradeRequest(request(valid, 'GET', '1.0'))!.status, 400);
    assert.equal(checkUpgradeRequest(request({ ...valid, host: undefined as never }))!.status, 400);
    assert.equal(checkUpgradeRequest(request({ ...valid, 'sec-websocket-version': '8' }))!.status, 426);
    assert.equal(checkUpgradeRequest(request({ ...valid, 'sec-websocket-key': 'short' }))!.status, 400);
    assert.equal(checkUpgradeRequest(request({ ...valid, upgrade: 'h2c' }))!.status, 400);
    assert.equal(checkUpgradeRequest(request({ ...valid, connection: 'close' }))!.status, 400);
  });
  it('hasToken compares comma-separated tokens without case', () => {
    assert.equal(hasToken('keep-alive, UPGRADE', 'upgrade'), true);
    assert.equal(hasToken('upgrades', 'upgrade'), false);
    assert.equal(hasToken(undefined, 'upgrade'), false);
  });
});
