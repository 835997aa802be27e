/**
 * Testing servers, end to end on loopback: a full quick run of sections 1–10
 * against ws and against a strict reference peer. Correct peers must come out
 * clean; ws must be NON-STRICT exactly on the fail-fast cases 6.4.1–6.4.4
 * (it validates UTF-8 only once a message is complete), and the strict peer
 * OK there. Without permessage-deflate (ws's server default), sections 12–13
 * are UNIMPLEMENTED; with it, see conformance-deflate.test.ts.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
// Through the tool's public entry point, as a user of the library would.
import { testServer } from '../../src/tools/conformance/index.js';
import type { CaseResult } from '../../src/tools/conformance/types.js';
import { startRawEchoServer, startWsEchoServer } from './support/peers.js';

const INFORMATIONAL = ['7.1.6', '7.13.1', '7.13.2'];
const FAIL_FAST = ['6.4.1', '6.4.2', '6.4.3', '6.4.4'];

function idsWith(results: readonly CaseResult[], outcome: CaseResult['outcome']): string[] {
  return results.filter((r) => r.outcome === outcome).map((r) => r.id);
}

function explain(results: readonly CaseResult[]): string {
  return results.filter((r) => r.outcome === 'FAILED').map((r) => `${r.id}: ${r.result} / ${r.resultClose}`).join('\n');
}

describe('testing servers (the tester is the client)', { concurrency: true, timeout: 180_000 }, () => {
  it('ws echo server: no FAILED in sections 1–10; NON-STRICT exactly on 6.4.1–6.4.4; 12–13 UNIMPLEMENTED (no permessage-deflate)', async (t) => {
    const peer = await startWsEchoServer();
    t.after(() => peer.close());
    const started = performance.now();
    const report = await testServer({ url: peer.url, quick: true, agent: 'ws', cases: '*' });
    t.diagnostic(`quick run of all 517 cases (216 declined permessage-deflate) against ws: ${Math.round(performance.now() - started)} ms`);
    const results = report.results['ws']!;
    assert.equal(results.length, 517);
    assert.deepEqual(idsWith(results, 'FAILED'), [], explain(results));
    assert.deepEqual(idsWith(results, 'NON-STRICT'), FAIL_FAST);
    assert.deepEqual(idsWith(results, 'INFORMATIONAL'), INFORMATIONAL);
    assert.equal(idsWith(results, 'UNIMPLEMENTED').length, 216);
    assert.equal(idsWith(results, 'OK').length, 301 - 4 - 3);
    for (const id of FAIL_FAST) {
      const r = results.find((x) => x.id === id)!;
      assert.equal(r.behavior, 'NON-STRICT');
      assert.equal(r.closing.remoteCloseCode, 1007, `${id}: ws fails with 1007 once the message is complete`);
    }
    // Every case ran on its own connection and logged its traffic.
    assert.ok(results.every((r) => r.httpResponse.startsWith('HTTP/1.1 101') && r.wirelog.length > 0));
    // Sections 12–13: the offer went out, ws declined it, and the tester closed right away (as Autobahn does).
    for (const r of results.filter((x) => x.outcome === 'UNIMPLEMENTED')) {
      assert.match(r.httpRequest, /\r\nSec-WebSocket-Extensions: permessage-deflate;[^\r]*client_max_window_bits\r\n/, r.id);
      assert.match(r.result, /declined permessage-deflate/, r.id);
      assert.deepEqual([r.behaviorClose, r.closing.remoteCloseCode, r.deflate?.agreed], ['OK', 1000, null], r.id);
    }
    assert.deepEqual(report.notes, []);
  });

  it('a strict peer (validates UTF-8 as bytes arrive): every case OK, 6.4.x included', async (t) => {
    const peer = await startRawEchoServer();
    t.after(() => peer.close());
    const started = performance.now();
    const report = await testServer({ url: peer.url, quick: true, agent: 'raw', cases: '*,!12.*,!13.*' });
    t.diagnostic(`quick run of sections 1–10 against the strict peer: ${Math.round(performance.now() - started)} ms`);
    const results = report.results['raw']!;
    assert.equal(results.length, 301);
    assert.deepEqual(idsWith(results, 'FAILED'), [], explain(results));
    assert.deepEqual(idsWith(results, 'NON-STRICT'), []);
    assert.deepEqual(idsWith(results, 'INFORMATIONAL'), INFORMATIONAL);
    for (const id of FAIL_FAST) {
      const r = results.find((x) => x.id === id)!;
      assert.deepEqual([r.behavior, r.behaviorClose, r.closing.remoteCloseCode], ['OK', 'OK', 1007], id);
    }
  });
});
