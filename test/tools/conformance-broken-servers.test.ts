/**
 * Deliberately broken servers: the tester must report FAILED on exactly the
 * cases that exercise the fault (the expected sets are derived from the
 * catalogue's own expectations, not listed by hand), and must finish with a
 * verdict, in bounded time, whatever a peer does: hang, reset, send garbage,
 * mask its frames, botch the handshake, or never close TCP.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { FrameParser } from '../../src/frame/parser.js';
import { Opcode } from '../../src/frame/opcode.js';
import { encodeClosePayload, encodeFrame } from '../../src/frame/serializer.js';
import { buildCatalogue, sectionOf } from '../../src/tools/conformance/catalogue.js';
import { ConformanceSetupError, testServer } from '../../src/tools/conformance/test-server.js';
import type { CaseResult, CaseSpec } from '../../src/tools/conformance/types.js';
import { startRawEchoServer, startScriptedServer, startTcpServer, startWsEchoServer, type Peer } from './support/peers.js';

// Section 9 (bulk transfers of valid data) exercises none of these faults and is left out to save time; so are
// sections 12–13 (permessage-deflate, which these servers do not support: see conformance-deflate.test.ts).
const SELECTION = '*,!9.*,!12.*,!13.*';
const runnable = buildCatalogue({ quick: true }).filter((c) => c.unimplemented === undefined && !['9', '12', '13'].includes(sectionOf(c.id)));
const ids = (predicate: (c: CaseSpec) => boolean): string[] => runnable.filter(predicate).map((c) => c.id);
const failedIds = (results: readonly CaseResult[]): string[] => results.filter((r) => r.outcome === 'FAILED').map((r) => r.id);

async function runAll(peer: Peer, cases = SELECTION): Promise<CaseResult[]> {
  try {
    return [...Object.values((await testServer({ url: peer.url, quick: true, cases })).results)[0]!];
  } finally {
    await peer.close();
  }
}

describe('broken echo servers: FAILED on exactly the relevant cases', { concurrency: true, timeout: 180_000 }, () => {
  it('skips UTF-8 validation (ws, skipUTF8Validation): every case where the peer must fail with 1007', async () => {
    const results = await runAll(await startWsEchoServer({ skipUTF8Validation: true }));
    const expected = ids((c) => c.close.codes.includes(1007) && !c.close.requireClean); // not 7.7.5, a valid close with 1007
    assert.ok(expected.includes('6.3.1') && expected.includes('6.4.4') && expected.includes('7.5.1'));
    assert.equal(expected.length, 76);
    assert.deepEqual(failedIds(results), expected);
    // The echo of invalid text is caught as the peer's own violation, naming the rule.
    assert.match(results.find((r) => r.id === '6.3.1')!.result, /RFC 6455 §8\.1.*not valid UTF-8/);
    // ws answers the invalid close reason with a normal 1000: a wrong code, which section 7 fails.
    assert.match(results.find((r) => r.id === '7.5.1')!.result, /closed with 1000; the case accepts 1002 or 1007/);
  });

  it('never answers pings (ws, autoPong: false): every case that expects a pong', async () => {
    // Only cases that send a ping can tell; the others are left out to save time.
    const pinging = ids((c) => c.steps.some((s) => s.op === 'frame' && s.opcode === Opcode.Ping));
    const results = await runAll(await startWsEchoServer({ autoPong: false }), pinging.join(','));
    assert.equal(results.length, 27);
    const expected = ids((c) => c.outcomes.some((o) => o.verdict === 'OK' && (o.events ?? []).some((e) => e.type === 'pong')));
    assert.deepEqual(expected, ['2.1', '2.2', '2.3', '2.4', '2.6', '2.9', '2.10', '2.11', '5.6', '5.7', '5.8', '5.19', '5.20']);
    assert.deepEqual(failedIds(results), expected);
  });

  it('accepts RSV bits (raw server): 3.1–3.6; 3.7 cannot tell (a close with no code looks the same)', async () => {
    const results = await runAll(await startRawEchoServer({ acceptRsv: true }));
    assert.deepEqual(failedIds(results), ['3.1', '3.2', '3.3', '3.4', '3.5', '3.6']);
    assert.match(results.find((r) => r.id === '3.1')!.resultClose, /never closed/);
  });

  it('answers every close with 1001: FAILED in section 7 where the code is tested, WRONG CODE elsewhere', async () => {
    const results = await runAll(await startRawEchoServer({ closeReplyCode: 1001 }));
    const answeredByPeer = (c: CaseSpec) => c.close.closedByMe && c.close.requireClean && c.informational !== true && !c.close.codes.includes(1001);
    assert.deepEqual(failedIds(results), ids((c) => sectionOf(c.id) === '7' && answeredByPeer(c)));
    const wrongCode = results.filter((r) => r.behaviorClose === 'WRONG CODE').map((r) => r.id);
    assert.deepEqual(wrongCode, ids(answeredByPeer));
    for (const r of results.filter((x) => sectionOf(x.id) !== '7' && wrongCode.includes(x.id))) assert.equal(r.outcome, 'NON-STRICT', r.id);
  });
});

/** Answers the handshake, then reads client frames with the library parser and does `onFrame` things. */
function parsingServer(handlers: { message?: (socket: Socket, data: Buffer, binary: boolean) => void; close?: (socket: Socket, code: number) => void }): Promise<Peer> {
  return startScriptedServer((socket, rest) => {
    const parser = new FrameParser({ role: 'server' }, {
      onMessage: (data, binary) => handlers.message?.(socket, Buffer.from(data), binary),
      onPing: () => undefined,
      onPong: () => undefined,
      onClose: (code) => handlers.close?.(socket, code),
      onError: () => socket.destroy(),
    });
    socket.on('data', (chunk: Buffer) => parser.push(chunk));
    socket.resume();
    if (rest.length > 0) parser.push(rest);
  });
}

describe('misbehaving peers always get a verdict, in bounded time', { concurrency: true, timeout: 60_000 }, () => {
  it('a peer that hangs after the handshake: FAILED, each case within its deadline', async () => {
    const peer = await startScriptedServer((socket) => socket.resume());
    const started = performance.now();
    const results = await runAll(peer, '1.1.1,2.5,6.4.1,7.3.2');
    assert.deepEqual(results.map((r) => [r.id, r.outcome]), [['1.1.1', 'FAILED'], ['2.5', 'FAILED'], ['6.4.1', 'FAILED'], ['7.3.2', 'FAILED']]);
    assert.ok(results.every((r) => r.closing.peerSilent && r.closing.droppedByMe));
    assert.ok(performance.now() - started < 10_000);
  });

  it('a peer that sends garbage: FAILED, naming the broken rule', async () => {
    const results = await runAll(await startScriptedServer((socket) => { socket.resume(); socket.write(Buffer.from([0xf3, 0x00])); }), '1.1.1');
    assert.equal(results[0]!.outcome, 'FAILED');
    assert.match(results[0]!.result, /RSV bits 111.*no extension/);
  });

  it('a peer that resets the connection after the handshake: FAILED, not a crash', async () => {
    const results = await runAll(await startScriptedServer((socket) => socket.resetAndDestroy()), '1.1.1,2.5');
    assert.deepEqual(results.map((r) => r.behaviorClose), ['FAILED', 'OK']); // 2.5 allows failing by dropping TCP
    assert.equal(results[0]!.outcome, 'FAILED');
    assert.equal(results[1]!.behavior, 'OK');
  });

  it('a server that masks its frames: FAILED (RFC 6455 §5.1)', async () => {
    const peer = await parsingServer({ message: (socket, data) => { for (const c of encodeFrame(Opcode.Text, data, { mask: true })) socket.write(c); } });
    const results = await runAll(peer, '1.1.2');
    assert.match(results[0]!.result, /§5\.1.*masked/);
  });

  it('a server that never closes TCP after the closing handshake: UNCLEAN', async () => {
    const peer = await parsingServer({
      message: (socket, data, binary) => { for (const c of encodeFrame(binary ? Opcode.Binary : Opcode.Text, data)) socket.write(c); },
      close: (socket, code) => { for (const c of encodeFrame(Opcode.Close, encodeClosePayload(code))) socket.write(c); },
    });
    const [result] = await runAll(peer, '1.1.2');
    assert.deepEqual([result!.behavior, result!.behaviorClose, result!.outcome], ['OK', 'UNCLEAN', 'FAILED']);
    assert.ok(result!.closing.wasServerConnectionDropTimeout);
  });

  it('handshake failures: a 404, a wrong accept key, no answer at all', async () => {
    const notFound = await startTcpServer((socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
    assert.match((await runAll(notFound, '1.1.1'))[0]!.result, /opening handshake failed.*404/);
    const badKey = await startTcpServer((socket) => socket.once('data', () => socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAA\r\n\r\n')));
    assert.match((await runAll(badKey, '1.1.1'))[0]!.result, /Sec-WebSocket-Accept/);
    const mute = await startTcpServer((socket) => socket.resume());
    try {
      const report = await testServer({ url: mute.url, cases: '1.1.1', connectTimeoutMs: 300 });
      assert.match(Object.values(report.results)[0]![0]!.result, /no complete opening handshake within 300 ms/);
    } finally {
      await mute.close();
    }
  });

  it('nothing listening, or a bad URL: a setup error, not a run of failures', async () => {
    const closed = await startTcpServer(() => undefined);
    await closed.close();
    await assert.rejects(testServer({ url: closed.url, cases: '1.*' }), ConformanceSetupError);
    await assert.rejects(testServer({ url: 'http://127.0.0.1:1/' }), /ws:\/\/ or wss:\/\//);
    await assert.rejects(testServer({ url: 'not a url' }), /invalid URL/);
    await assert.rejects(testServer({ url: 'ws://127.0.0.1:1/#x' }), /fragment/);
  });
});
