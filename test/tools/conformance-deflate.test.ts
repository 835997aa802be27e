/**
 * Sections 12–13 (permessage-deflate, RFC 7692): the negotiation rules both
 * ways, the compression (checked against zlib streams, an independent
 * implementation of the same context), and end-to-end runs on loopback: ws
 * with permessage-deflate must come out clean in both modes, also when it
 * limits or refuses parts of an offer; deliberately broken peers must FAIL
 * exactly where their fault shows, with the rule named.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { constants, createDeflateRaw, createInflateRaw, deflateRawSync } from 'node:zlib';
import { WebSocket } from 'ws';
import { closeAfter } from '../../src/tools/conformance/cases/dsl.js';
import { buildCatalogue } from '../../src/tools/conformance/catalogue.js';
import { corpus, CORPORA, corpusMessage, CORPUS_BYTES } from '../../src/tools/conformance/corpus.js';
import { connectAndUpgrade } from '../../src/tools/conformance/handshake.js';
import {
  answerClientOffers, checkServerResponse, formatOffers, InflateFailure, MessageDeflater, MessageInflater, parseExtensions,
} from '../../src/tools/conformance/permessage-deflate.js';
import { runCaseOnSocket } from '../../src/tools/conformance/result.js';
import { FuzzingServer } from '../../src/tools/conformance/test-client.js';
import { testServer } from '../../src/tools/conformance/test-server.js';
import type { CaseResult, CaseSpec, CorpusKind, DeflateAccept, DeflateAgreement, DeflateOffer } from '../../src/tools/conformance/types.js';
import { judgeBehavior } from '../../src/tools/conformance/verdict.js';
import {
  runRawDeflateDriver, startRawDeflateServer, startRewritingWsServer, zlibRun, type DeflateFaults,
} from './support/deflate-peers.js';
import { runWsDriver, startWsEchoServer, type Peer } from './support/peers.js';

const offer = (requestNoContextTakeover: boolean, requestMaxWindowBits: number): DeflateOffer => ({ requestNoContextTakeover, requestMaxWindowBits });
const rule = (requestNoContextTakeover: boolean, requestMaxWindowBits: number): DeflateAccept => ({ requestNoContextTakeover, requestMaxWindowBits });
const DEFAULT = [offer(false, 0)];

describe('extension lists (RFC 6455 §9.1)', () => {
  it('parses names, parameters with and without values, quoted values, empty elements', () => {
    assert.deepEqual(parseExtensions('permessage-deflate; client_max_window_bits; server_max_window_bits="10", , x-foo ;a=b'), [
      { name: 'permessage-deflate', params: [['client_max_window_bits', true], ['server_max_window_bits', '10']] },
      { name: 'x-foo', params: [['a', 'b']] },
    ]);
    assert.deepEqual(parseExtensions(''), []);
  });
  it('rejects what the grammar does not allow', () => {
    for (const bad of ['permessage-deflate;', 'permessage-deflate; =1', 'a b', 'a; b="c d"', 'a; b="x', 'a; b=']) {
      assert.throws(() => parseExtensions(bad), /expected|unterminated|not a token|unexpected/, bad);
    }
  });
  it('the tester offers server_* parameters as the case says, and always client_max_window_bits', () => {
    assert.equal(formatOffers([offer(true, 9), offer(true, 0), offer(false, 0)]),
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_max_window_bits, ' +
      'permessage-deflate; server_no_context_takeover; client_max_window_bits, permessage-deflate; client_max_window_bits');
  });
});

describe('checking a server\'s answer (the tester as client)', () => {
  it('no header, or an empty one: declined', () => {
    assert.equal(checkServerResponse(DEFAULT, undefined).kind, 'declined');
    assert.equal(checkServerResponse(DEFAULT, '').kind, 'declined');
  });
  it('accepted: the agreed parameters, 15 where no window was set', () => {
    assert.deepEqual(checkServerResponse(DEFAULT, 'permessage-deflate'), {
      kind: 'accepted', offerIndex: 0,
      agreement: { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 },
    });
    // A server may add server_no_context_takeover, server_max_window_bits, client_no_context_takeover unasked,
    // and client_max_window_bits because every offer of the tester has it (RFC 7692 §7.1).
    assert.deepEqual(checkServerResponse(DEFAULT, 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_no_context_takeover; client_max_window_bits=9'), {
      kind: 'accepted', offerIndex: 0,
      agreement: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9 },
    });
  });
  it('several offers: the answer fits the first offer it can belong to', () => {
    const offers = [offer(true, 9), offer(true, 0), offer(false, 0)];
    assert.equal((checkServerResponse(offers, 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9') as { offerIndex: number }).offerIndex, 0);
    assert.equal((checkServerResponse(offers, 'permessage-deflate; server_no_context_takeover; server_max_window_bits=12') as { offerIndex: number }).offerIndex, 1);
    assert.equal((checkServerResponse(offers, 'permessage-deflate') as { offerIndex: number }).offerIndex, 2);
  });
  it('an answer that breaks RFC 7692 is invalid, with the reason', () => {
    const cases: [DeflateOffer[], string, RegExp][] = [
      [DEFAULT, 'permessage-deflate; server_max_window_bits=16', /server_max_window_bits=16: the value must be an integer from 8 to 15/],
      [DEFAULT, 'permessage-deflate; server_max_window_bits=09', /without leading zeros/],
      [DEFAULT, 'permessage-deflate; server_max_window_bits', /server_max_window_bits: the value must be/],
      [DEFAULT, 'permessage-deflate; client_max_window_bits', /a response must give an integer/],
      [DEFAULT, 'permessage-deflate; server_no_context_takeover=1', /takes no value/],
      [DEFAULT, 'permessage-deflate; x_foo', /unknown parameter x_foo/],
      [DEFAULT, 'permessage-deflate; server_no_context_takeover; server_no_context_takeover', /appears twice/],
      [DEFAULT, 'permessage-deflate, permessage-deflate', /2 times/],
      [DEFAULT, 'x-webkit-deflate-frame', /did not offer/],
      [DEFAULT, 'permessage-deflate;', /not a valid extension list/],
      [[offer(true, 0)], 'permessage-deflate', /server_no_context_takeover was offered but is missing/],
      [[offer(false, 9)], 'permessage-deflate', /server_max_window_bits=9 was offered but is missing/],
      [[offer(false, 9)], 'permessage-deflate; server_max_window_bits=10', /larger than the offered 9/],
      [[offer(true, 9), offer(true, 0)], 'permessage-deflate', /offer 1: .*; offer 2: /],
    ];
    for (const [offers, header, reason] of cases) {
      const check = checkServerResponse(offers, header);
      assert.equal(check.kind, 'invalid', header);
      assert.match((check as { reason: string }).reason, reason, header);
    }
  });
});

describe('answering a client\'s offers (the tester as server, Autobahn\'s accept rules)', () => {
  const browser = 'permessage-deflate; client_max_window_bits';
  it('12.x / 13.1: accept the first offer as it is, echoing server_* parameters', () => {
    const answer = answerClientOffers([rule(false, 0)], 'x-foo, permessage-deflate; server_no_context_takeover; server_max_window_bits=10, permessage-deflate');
    assert.equal(answer.kind, 'accepted');
    assert.equal((answer as { response: string }).response, 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10');
    assert.deepEqual((answer as { agreement: unknown }).agreement,
      { serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 10, clientMaxWindowBits: 15 });
  });
  it('13.2–13.6: ask for client_no_context_takeover (always possible) and client_max_window_bits (only if offered)', () => {
    assert.equal((answerClientOffers([rule(true, 0)], 'permessage-deflate') as { response: string }).response, 'permessage-deflate; client_no_context_takeover');
    assert.equal((answerClientOffers([rule(true, 9)], browser) as { response: string }).response, 'permessage-deflate; client_no_context_takeover; client_max_window_bits=9');
    // The client's own limit wins when it is smaller (RFC 7692 §7.1.2.2).
    assert.equal((answerClientOffers([rule(false, 15)], 'permessage-deflate; client_max_window_bits=10') as { response: string }).response, 'permessage-deflate; client_max_window_bits=10');
    const none = answerClientOffers([rule(false, 9)], 'permessage-deflate');
    assert.equal(none.kind, 'none');
    assert.match((none as { reason: string }).reason, /needs an offer that has client_max_window_bits/);
  });
  it('13.7: the rules in order, each over all offers', () => {
    const rules = [rule(true, 9), rule(true, 0), rule(false, 0)];
    assert.equal((answerClientOffers(rules, `permessage-deflate, ${browser}`) as { response: string }).response, 'permessage-deflate; client_no_context_takeover; client_max_window_bits=9');
    assert.equal((answerClientOffers(rules, 'permessage-deflate') as { response: string }).response, 'permessage-deflate; client_no_context_takeover');
  });
  it('no offer: none; invalid offers are declined; only invalid ones, or an unparsable header: invalid', () => {
    assert.match((answerClientOffers([rule(false, 0)], undefined) as { reason: string }).reason, /offered no extension/);
    assert.match((answerClientOffers([rule(false, 0)], 'x-foo') as { reason: string }).reason, /did not offer permessage-deflate/);
    const fallback = answerClientOffers([rule(false, 0)], 'permessage-deflate; x_future, permessage-deflate');
    assert.equal((fallback as { response: string }).response, 'permessage-deflate');
    assert.match((fallback as { note: string }).note, /declined invalid offers \(offer 1: unknown parameter x_future/);
    const invalid = answerClientOffers([rule(false, 0)], 'permessage-deflate; client_max_window_bits=16');
    assert.deepEqual([invalid.kind, (invalid as { unparsable: boolean }).unparsable], ['invalid', false]);
    const unparsable = answerClientOffers([rule(false, 0)], 'permessage-deflate; =');
    assert.deepEqual([unparsable.kind, (unparsable as { unparsable: boolean }).unparsable], ['invalid', true]);
  });
});

describe('compression (RFC 7692 §7.2), checked against zlib streams', () => {
  const messages = Array.from({ length: 12 }, (_, i) => corpusMessage('json', 3000, i));

  it('with context takeover: the tester\'s messages inflate with one persistent zlib stream, and the other way round', async () => {
    const deflater = new MessageDeflater(15, false);
    const stream = createInflateRaw();
    let contextual = 0;
    for (const m of messages) {
      const compressed = deflater.compress(m);
      contextual += compressed.length;
      assert.ok(!compressed.subarray(-4).equals(Buffer.from([0, 0, 0xff, 0xff])), 'the tail is removed');
      assert.ok((await zlibRun(stream, Buffer.concat([compressed, Buffer.from([0, 0, 0xff, 0xff])]))).equals(m));
    }
    const fresh = messages.reduce((sum, m) => sum + new MessageDeflater(15, true).compress(m).length, 0);
    assert.ok(contextual < fresh, `context takeover pays: ${contextual} < ${fresh}`);
    stream.close();

    const peer = createDeflateRaw();
    const inflater = new MessageInflater(15, false);
    for (const m of messages) {
      const out = await zlibRun(peer, m);
      assert.ok(inflater.inflate(out.subarray(0, -4), m.length).equals(m));
    }
    peer.close();
  });

  it('without context takeover: a peer that keeps its context is caught', async () => {
    const peer = createDeflateRaw();
    const inflater = new MessageInflater(15, true);
    let caught: unknown;
    try {
      for (const m of messages) inflater.inflate((await zlibRun(peer, m)).subarray(0, -4), m.length);
    } catch (error) {
      caught = error;
    }
    peer.close();
    assert.ok(caught instanceof InflateFailure);
    assert.match(caught.message, /distance too far back.*no context takeover was agreed/);
  });

  it('a window larger than agreed is caught; an agreed small window is honoured', () => {
    const wide = deflateRawSync(Buffer.concat(messages), { windowBits: 15, finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
    assert.throws(() => new MessageInflater(9, false).inflate(wide, 1e6), /further back than the agreed window of 2\^9 bytes/);
    const deflater = new MessageDeflater(9, false);
    const strict = new MessageInflater(9, false);
    for (const m of messages) assert.ok(strict.inflate(deflater.compress(m), m.length).equals(m));
    // Window 8 (RFC 7692 allows it; raw zlib cannot): literals only, valid for any window.
    const tiny = new MessageDeflater(8, false);
    const narrow = new MessageInflater(8, false);
    for (const m of messages) assert.ok(narrow.inflate(tiny.compress(m), m.length).equals(m));
  });

  it('output beyond the limit is cut off, not buffered (a message that inflates big)', () => {
    const bomb = deflateRawSync(Buffer.alloc(8 * 1024 * 1024), { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
    assert.ok(bomb.length < 10_000);
    assert.throws(() => new MessageInflater(15, false).inflate(bomb, 16), (e: unknown) => e instanceof InflateFailure && e.tooBig && /more than 16 bytes/.test(e.message));
    assert.throws(() => new MessageInflater(15, false).inflate(Buffer.from([0xff, 0x00]), 100), /does not inflate \(zlib: invalid block type\)/);
  });

  it('the documents are generated the same way every time; text ones are ASCII; messages wrap around', () => {
    for (const { kind, binary } of CORPORA) {
      const data = corpus(kind);
      assert.equal(data.length, CORPUS_BYTES);
      if (!binary) assert.ok(data.every((b) => b < 0x80), kind);
      assert.ok(deflateRawSync(data).length < data.length, `${kind} compresses at least a little`);
    }
    // Pinned: the same bytes on every run and machine (the bitmap uses Math.sin, left out).
    const digests = Object.fromEntries(['json', 'prose', 'html', 'pdf'].map((kind) =>
      [kind, createHash('sha256').update(corpus(kind as CorpusKind)).digest('hex').slice(0, 16)]));
    assert.deepEqual(digests, { json: '8812573658829e9f', prose: '85c78ea740f3a416', html: '40cda21da87b2401', pdf: '0a50ec26db7554bc' });
    const wrap = corpusMessage('json', 131072, 2); // starts at 256 KiB: wraps to the beginning
    assert.ok(wrap.equals(corpus('json').subarray(0, 131072)));
    const across = corpusMessage('html', 100_000, 2);
    assert.ok(across.equals(Buffer.concat([corpus('html').subarray(200_000), corpus('html').subarray(0, 100_000 - (CORPUS_BYTES - 200_000))])));
  });
});

describe('echo verdicts', () => {
  const spec = buildCatalogue({ quick: true }).find((c) => c.id === '12.1.1')!;
  const echo = (seq: number, problem: string | null = null) =>
    ({ type: 'echo', seq, binary: false, length: 16, compressed: true, wireLength: 12, frames: 1, problem, at: seq } as const);
  it('all 20 echoes, in order, equal: OK (pings and pongs do not count)', () => {
    const all = Array.from({ length: 20 }, (_, i) => echo(i));
    assert.equal(judgeBehavior(spec, all).verdict, 'OK');
    assert.equal(judgeBehavior(spec, [{ type: 'ping', payload: Buffer.alloc(0), at: 0 }, ...all]).verdict, 'OK');
  });
  it('a bad echo or missing ones: FAILED, saying which and why', () => {
    const bad = judgeBehavior(spec, [echo(0), echo(1, 'echo #1 has 15 bytes, but message #1 had 16')]);
    assert.deepEqual([bad.verdict, /echo #1 has 15 bytes/.test(bad.reason)], ['FAILED', true]);
    const few = judgeBehavior(spec, [echo(0), echo(1)]);
    assert.match(few.reason, /2 of 20 messages came back \(the case allows 30 s\)/);
  });
});

// ---- end to end --------------------------------------------------------------

function outcomes(results: readonly CaseResult[]): Record<string, string[]> {
  const by: Record<string, string[]> = {};
  for (const r of results) (by[r.outcome] ??= []).push(r.id);
  return by;
}

function explain(results: readonly CaseResult[]): string {
  return results.filter((r) => r.outcome === 'FAILED').map((r) => `${r.id}: ${r.result} / ${r.resultClose}`).join('\n');
}

async function judgeServer(peer: Peer, cases: string): Promise<CaseResult[]> {
  try {
    return [...(await testServer({ url: peer.url, quick: true, agent: 'peer', cases })).results['peer']!];
  } finally {
    await peer.close();
  }
}

async function judgeClient(cases: string, drive: (url: string) => Promise<unknown>): Promise<CaseResult[]> {
  const fuzzer = await FuzzingServer.start({ port: 0, quick: true, cases });
  try {
    await drive(fuzzer.url);
  } catch (error) {
    await fuzzer.close();
    throw error;
  }
  return [...Object.values((await fuzzer.close()).results)[0] ?? []];
}

/** A spread of sizes and fragmentations in every subsection: 48 of the 216 cases. */
const SPREAD = '12.*.1,12.*.5,12.*.11,12.*.18,13.*.1,13.*.6,13.*.12,13.*.16';
const SMALL = '13.*.2,13.*.5,13.*.11';

describe('ws with permessage-deflate comes out clean', { concurrency: true, timeout: 120_000 }, () => {
  it('server mode, ws defaults: every case OK, the extension in use with the parameters offered', async (t) => {
    const started = performance.now();
    const results = await judgeServer(await startWsEchoServer({ perMessageDeflate: true }), SPREAD);
    t.diagnostic(`${results.length} cases against the ws server: ${Math.round(performance.now() - started)} ms`);
    assert.equal(results.length, 48);
    assert.deepEqual(outcomes(results), { OK: results.map((r) => r.id) }, explain(results));
    const r137 = results.find((r) => r.id === '13.5.1')!;
    assert.match(r137.httpResponse, /Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; server_max_window_bits=9/);
    assert.deepEqual(r137.deflate?.agreed, { serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 9, clientMaxWindowBits: 15 });
    const big = results.find((r) => r.id === '12.1.18')!;
    assert.deepEqual([big.deflate!.traffic.messagesSent, big.deflate!.traffic.payloadOctetsSent], [20, 20 * 131072]);
    assert.ok(big.deflate!.traffic.compressedOctetsSent < 20 * 131072 / 3, 'JSON compresses');
    // Auto-fragmentation cuts the compressed payload: as many continuation frames as a fresh compression says.
    const fragmented = results.find((r) => r.id === '12.1.11')!;
    const deflater = new MessageDeflater(15, false);
    const continuations = Array.from({ length: 20 }, (_, i) => Math.ceil(deflater.compress(corpusMessage('json', 8192, i)).length / 256) - 1)
      .reduce((a, b) => a + b, 0);
    assert.ok(continuations > 20);
    assert.deepEqual([fragmented.stats.txFrames[1], fragmented.stats.txFrames[0]], [20, continuations]);
    assert.equal(results.find((r) => r.id === '12.1.1')!.stats.txFrames[0], undefined);
  });

  it('server mode, ws limiting windows and context (lower windows, no context takeover asked by the server): OK', async () => {
    const results = await judgeServer(await startWsEchoServer({
      perMessageDeflate: { serverMaxWindowBits: 9, serverNoContextTakeover: true, clientNoContextTakeover: true, clientMaxWindowBits: 10 },
    }), SMALL);
    assert.deepEqual(outcomes(results), { OK: results.map((r) => r.id) }, explain(results));
    assert.deepEqual(results.find((r) => r.id === '13.4.5')!.deflate?.agreed,
      { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 10 });
  });

  it('server mode, ws refusing offers below its window (400): UNIMPLEMENTED there, OK elsewhere', async () => {
    const results = await judgeServer(await startWsEchoServer({ perMessageDeflate: { serverMaxWindowBits: 10 } }), SMALL);
    const refused = results.filter((r) => /^13\.[35]\./.test(r.id)).map((r) => r.id);
    assert.deepEqual(outcomes(results), { OK: results.map((r) => r.id).filter((id) => !refused.includes(id)), UNIMPLEMENTED: refused }, explain(results));
    assert.match(results.find((r) => r.id === '13.3.2')!.result, /400 Bad Request .*when offered "permessage-deflate; server_max_window_bits=9/);
  });

  it('client mode, ws WebSocket with permessage-deflate as the driver: every case OK', async (t) => {
    const started = performance.now();
    const results = await judgeClient(SPREAD, (url) => runWsDriver(url, 'ws-deflate', { perMessageDeflate: true }));
    t.diagnostic(`${results.length} cases against the ws client: ${Math.round(performance.now() - started)} ms`);
    assert.equal(results.length, 48);
    assert.deepEqual(outcomes(results), { OK: results.map((r) => r.id) }, explain(results));
    const r = results.find((x) => x.id === '13.5.1')!;
    assert.match(r.httpRequest, /Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits/);
    assert.match(r.httpResponse, /Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_max_window_bits=9\r\n/);
  });

  it('client mode: /getCaseInfo tells a driver the offer Autobahn\'s client makes in the case, and the accept rules', async () => {
    const fuzzer = await FuzzingServer.start({ port: 0, cases: '13.5.1' });
    try {
      const info = await new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`${fuzzer.url}/getCaseInfo?case=1`);
        ws.on('message', (data) => resolve(String(data)));
        ws.on('error', reject);
      });
      assert.deepEqual(JSON.parse(info).permessageDeflate, {
        offer: 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_max_window_bits',
        accept: [{ requestNoContextTakeover: true, requestMaxWindowBits: 9 }],
      });
    } finally {
      await fuzzer.close();
    }
  });

  it('client mode, ws offering no client_max_window_bits: UNIMPLEMENTED where the server side needs it (13.3–13.6)', async () => {
    const results = await judgeClient(SMALL, (url) => runWsDriver(url, 'ws-nobits', {
      // ws leaves client_max_window_bits out of its offer for `false` (its types only admit numbers).
      perMessageDeflate: { clientMaxWindowBits: false as unknown as number },
    }));
    const needBits = results.filter((r) => /^13\.[3-6]\./.test(r.id)).map((r) => r.id);
    assert.deepEqual(outcomes(results), { OK: results.map((r) => r.id).filter((id) => !needBits.includes(id)), UNIMPLEMENTED: needBits }, explain(results));
  });
});

describe('broken peers are caught', { concurrency: true, timeout: 120_000 }, () => {
  const failedIds = (results: readonly CaseResult[]) => results.filter((r) => r.outcome === 'FAILED').map((r) => r.id);
  const raw = (faults: DeflateFaults) => startRawDeflateServer(faults);

  it('a correct raw peer (zlib streams) is OK: the broken ones below differ only in their fault', async () => {
    const results = await judgeServer(await raw({}), '12.1.5,13.*.5');
    assert.deepEqual(failedIds(results), [], explain(results));
  });

  it('RSV1 on continuation frames: FAILED (RFC 7692 §6.1) once an echo takes more than one frame', async () => {
    const results = await judgeServer(await raw({ fragment: 64, rsv1OnEveryFrame: true }), '12.1.1,12.1.5,13.1.11');
    assert.deepEqual(failedIds(results), ['12.1.5', '13.1.11']);
    assert.match(results[1]!.result, /RFC 7692 §6\.1: RSV1 set on a continuation frame/);
    assert.equal(results[1]!.behaviorClose, 'UNCLEAN', 'the tester failed the connection');
  });

  it('a corrupted DEFLATE stream: FAILED (RFC 7692 §7.2.2)', async () => {
    const results = await judgeServer(await raw({ corrupt: true }), '12.2.1,13.1.1');
    assert.deepEqual(failedIds(results), ['12.2.1', '13.1.1']);
    assert.match(results[0]!.result, /RFC 7692 §7\.2\.2: compressed message #0 .*does not inflate \(zlib: invalid block type\)/);
  });

  it('agrees to server_no_context_takeover but keeps its context: FAILED exactly where it was agreed', async () => {
    const results = await judgeServer(await raw({ keepContext: true }), '13.*.5');
    assert.deepEqual(failedIds(results), ['13.2.5', '13.5.5', '13.6.5', '13.7.5']);
    assert.match(results[1]!.result, /distance too far back.*no context takeover was agreed/);
    // ws, told (by a rewritten answer) that it agreed, and compressing with context: the same.
    const ws = await judgeServer(await startRewritingWsServer((e) => `${e}; server_no_context_takeover`), '12.1.5,13.1.5');
    assert.deepEqual(failedIds(ws), ['12.1.5', '13.1.5']);
  });

  it('a larger window than the agreed server_max_window_bits=9: FAILED', async () => {
    const results = await judgeServer(await raw({ windowBits: 15 }), '13.3.5,13.3.12,13.4.5');
    assert.deepEqual(failedIds(results), ['13.3.5', '13.3.12']);
    assert.match(results[0]!.result, /further back than the agreed window of 2\^9 bytes/);
  });

  it('an echo that inflates far beyond the message sent: cut off, FAILED, quickly', async () => {
    const started = performance.now();
    const results = await judgeServer(await raw({ bomb: 16 * 1024 * 1024 }), '12.1.1');
    assert.deepEqual(failedIds(results), ['12.1.1']);
    assert.match(results[0]!.result, /echo #0 inflates to more than 16 bytes \(cut off there\)/);
    assert.equal(results[0]!.behaviorClose, 'OK', 'the tester closed normally after the bad echo');
    assert.ok(performance.now() - started < 5000);
  });

  it('a peer that stops echoing: the tester closes at the case\'s time limit, FAILED with how many came back', async () => {
    const peer = await raw({ stopAfter: 3 });
    try {
      const base = buildCatalogue({ quick: true }).find((c) => c.id === '13.1.1')!;
      const spec: CaseSpec = { ...base, steps: [closeAfter(300), ...base.steps.filter((s) => s.op === 'deflate-loop')] };
      const offered = formatOffers(spec.deflate!.offers);
      const upgraded = await connectAndUpgrade(new URL(peer.url), { extensions: offered });
      const answer = checkServerResponse(spec.deflate!.offers, upgraded.extensions);
      assert.equal(answer.kind, 'accepted');
      const started = performance.now();
      const result = await runCaseOnSocket(spec, upgraded.socket, upgraded.head, { agent: 'silent', mode: 'server', quick: true },
        { request: upgraded.request, response: upgraded.response }, undefined,
        { offered, response: upgraded.extensions ?? '', agreement: (answer as { agreement: DeflateAgreement }).agreement, note: 'accepted' });
      assert.ok(performance.now() - started < 3000);
      assert.deepEqual([result.behavior, result.behaviorClose, result.closing.closedByMe], ['FAILED', 'OK', true]);
      assert.match(result.result, /3 of 20 messages came back/);
      assert.deepEqual([result.deflate?.traffic.messagesSent, result.deflate?.traffic.messagesReceived], [4, 3]);
    } finally {
      await peer.close();
    }
  });

  it('an echo too many: FAILED, and the tester closes at once instead of waiting for the case\'s time limit', async () => {
    const started = performance.now();
    const results = await judgeServer(await raw({ twice: true }), '13.1.1');
    assert.deepEqual(failedIds(results), ['13.1.1']);
    assert.match(results[0]!.result, /message #1 arrived when no message was waiting|echo #1 differs from message #1/);
    assert.ok(performance.now() - started < 5000);
  });

  it('answers that break RFC 7692: FAILED without running, the tester fails the connection', async () => {
    const answers: [(offer: string | undefined) => string, RegExp][] = [
      [() => 'permessage-deflate; server_max_window_bits=16', /server_max_window_bits=16: the value must be an integer from 8 to 15/],
      [() => 'permessage-deflate; x_foo', /unknown parameter x_foo/],
      [() => 'permessage-deflate; client_max_window_bits', /a response must give an integer/],
      [() => 'permessage-deflate', /server_no_context_takeover was offered but is missing/],
      [() => 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10', /larger than the offered 9/],
      [() => 'permessage-deflate, permessage-deflate', /2 times/],
    ];
    for (const [respond, reason] of answers) {
      const [result] = await judgeServer(await startRawDeflateServer({ respond }), '13.5.1');
      assert.deepEqual([result!.behavior, result!.outcome], ['FAILED', 'FAILED'], String(reason));
      assert.match(result!.result, /permessage-deflate negotiation failed/);
      assert.match(result!.result, reason);
    }
    const ws = await judgeServer(await startRewritingWsServer((e) => `${e}; server_max_window_bits=16`), '12.1.1');
    assert.match(ws[0]!.result, /server_max_window_bits appears twice|server_max_window_bits=16/);
  });

  it('client mode: a client that keeps its context after client_no_context_takeover, or ignores client_max_window_bits=9', async () => {
    const keep = await judgeClient('13.*.5', (url) => runRawDeflateDriver(url, 'keep', { keepContext: true }));
    assert.deepEqual(failedIds(keep), ['13.2.5', '13.5.5', '13.6.5', '13.7.5']);
    assert.match(keep[1]!.result, /no context takeover was agreed/);
    const window = await judgeClient('13.3.5,13.3.12,13.4.5', (url) => runRawDeflateDriver(url, 'window', { windowBits: 15 }));
    assert.deepEqual(failedIds(window), ['13.3.5', '13.3.12']);
    const corrupt = await judgeClient('12.3.1', (url) => runRawDeflateDriver(url, 'corrupt', { corrupt: true }));
    assert.deepEqual(failedIds(corrupt), ['12.3.1']);
  });

  it('client mode: invalid offers FAIL (declined, or refused with 400 when unparsable); a future parameter falls back', async () => {
    const invalid = await judgeClient('13.1.1', (url) => runRawDeflateDriver(url, 'bad', {}, 'permessage-deflate; client_max_window_bits=16'));
    assert.deepEqual([invalid[0]!.behavior, invalid[0]!.behaviorClose], ['FAILED', 'OK']);
    assert.match(invalid[0]!.result, /every permessage-deflate offer of the client is invalid/);
    const garbage = await judgeClient('13.1.1', (url) => runRawDeflateDriver(url, 'garbage', {}, 'permessage-deflate; ='));
    assert.match(garbage[0]!.result, /not a valid extension list/);
    const future = await judgeClient('13.1.1', (url) => runRawDeflateDriver(url, 'future', {}, 'permessage-deflate; x_future, permessage-deflate'));
    assert.equal(future[0]!.outcome, 'OK');
  });
});
