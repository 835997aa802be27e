/**
 * Testing clients, end to end on loopback: the fuzzing server speaks
 * Autobahn's driver protocol; ws's WebSocket, as the driver, must come out
 * clean (NON-STRICT only on 6.4.1–6.4.4), a ws client that skips UTF-8
 * validation must FAIL exactly the cases that need it, and drivers that
 * misbehave (exit early, hang, ask for nonsense) must still end the run.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { buildCatalogue } from '../../src/tools/conformance/catalogue.js';
import { runPassed, type RunReport } from '../../src/tools/conformance/run.js';
import { FuzzingServer, testClient, URL_ENV } from '../../src/tools/conformance/test-client.js';
import type { CaseResult } from '../../src/tools/conformance/types.js';
import { runWsDriver } from './support/peers.js';

const DRIVER = join(import.meta.dirname, 'support', 'ws-driver.mjs');
const idsWith = (results: readonly CaseResult[], outcome: CaseResult['outcome']) => results.filter((r) => r.outcome === outcome).map((r) => r.id);
const explain = (results: readonly CaseResult[]) =>
  results.filter((r) => r.outcome === 'FAILED').map((r) => `${r.id}: ${r.result} / ${r.resultClose}`).join('\n');

/** What a plain HTTP GET to the fuzzing server answers (status line). */
async function httpStatus(url: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}${path}`);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('unexpectedly upgraded')));
    ws.on('error', () => undefined);
  });
}

describe('testing clients (the tester is the server)', { concurrency: true, timeout: 180_000 }, () => {
  it('ws WebSocket as the driver (no permessage-deflate): no FAILED; NON-STRICT exactly on 6.4.1–6.4.4; 12–13 UNIMPLEMENTED', async (t) => {
    const updates: RunReport[] = [];
    const fuzzer = await FuzzingServer.start({ port: 0, quick: true, onUpdateReports: (r) => updates.push(r) });
    const started = performance.now();
    let report: RunReport;
    try {
      assert.equal(fuzzer.caseCount, 517, 'every case is served');
      assert.equal(await runWsDriver(fuzzer.url, 'ws-client'), 517);
    } finally {
      report = await fuzzer.close();
    }
    const elapsed = Math.round(performance.now() - started);
    const results = report.results['ws-client']!;
    assert.equal(results.length, 517);
    assert.deepEqual(idsWith(results, 'FAILED'), [], explain(results));
    // A client that offers no permessage-deflate: UNIMPLEMENTED, as in Autobahn; the tester closes right away.
    const deflate = results.filter((r) => r.id.startsWith('12.') || r.id.startsWith('13.'));
    assert.deepEqual(idsWith(results, 'UNIMPLEMENTED'), deflate.map((r) => r.id));
    assert.equal(deflate.length, 216);
    assert.ok(deflate.every((r) => /the client offered no extension/.test(r.result) && r.behaviorClose === 'OK'));
    assert.deepEqual(idsWith(results, 'NON-STRICT'), ['6.4.1', '6.4.2', '6.4.3', '6.4.4']);
    assert.deepEqual(idsWith(results, 'INFORMATIONAL'), ['7.1.6', '7.13.1', '7.13.2']);
    assert.deepEqual(report.missing['ws-client'], []);
    assert.equal(updates.length, 1, '/updateReports was served');
    assert.ok(runPassed(report));
    assert.ok(!runPassed(report, { strict: true }));
    // The client masks, the tester (server) closes TCP first.
    const sample = results.find((r) => r.id === '1.1.2')!;
    assert.match(sample.httpRequest, /^GET \/runCase\?case=2&agent=ws-client HTTP\/1\.1/);
    assert.ok(sample.wirelog.some((e) => e.kind === 'rx-frame' && e.text.includes('masked=1')));
    t.diagnostic(`quick run of all 517 cases against the ws client (216 UNIMPLEMENTED): ${elapsed} ms`);
  });

  it('a ws client that skips UTF-8 validation: FAILED on the cases where it must fail with 1007', async () => {
    const cases = '6.3.*,6.4.*,6.6.*,6.7.*,7.5.1';
    const fuzzer = await FuzzingServer.start({ port: 0, quick: true, cases });
    let report: RunReport;
    try {
      await runWsDriver(fuzzer.url, 'lax', { skipUTF8Validation: true });
    } finally {
      report = await fuzzer.close();
    }
    const selected = buildCatalogue({ quick: true }).filter((c) => report.selected.includes(c.id));
    const mustFail = selected.filter((c) => c.close.codes.includes(1007) && !c.close.requireClean).map((c) => c.id);
    assert.deepEqual(idsWith(report.results['lax']!, 'FAILED'), mustFail);
  });

  it('driver protocol: case count, unknown paths and case numbers, missing agent', async () => {
    const fuzzer = await FuzzingServer.start({ port: 0, cases: '1.1.1,1.1.2' });
    try {
      const count = await new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`${fuzzer.url}/getCaseCount`);
        ws.on('message', (data) => resolve(String(data)));
        ws.on('error', reject);
      });
      assert.equal(count, '2');
      assert.equal(await httpStatus(fuzzer.url, '/nope'), 404);
      assert.equal(await httpStatus(fuzzer.url, '/runCase?case=3&agent=x'), 404);
      assert.equal(await httpStatus(fuzzer.url, '/runCase?case=abc&agent=x'), 404);
      await new Promise<void>((resolve) => {
        const ws = new WebSocket(`${fuzzer.url}/runCase?case=1`);
        ws.on('message', (data, binary) => ws.send(data as Buffer, { binary }));
        ws.on('close', () => resolve());
      });
    } finally {
      const report = await fuzzer.close();
      assert.deepEqual(Object.keys(report.results), ['UnknownClient']);
      assert.deepEqual(report.missing['UnknownClient'], ['1.1.2']);
      assert.ok(!runPassed(report), 'a case never run fails the gate');
    }
  });

  it('testClient spawns the driver with the URL appended and in the environment', async () => {
    const report = await testClient({
      command: process.execPath, args: [DRIVER], port: 0, quick: true, cases: '1.1.1,2.1,5.19,6.4.1', stdio: 'ignore',
    });
    assert.equal(report.exitCode, 0);
    assert.equal(report.timedOut, false);
    assert.deepEqual(report.results['ws-driver']!.map((r) => [r.id, r.outcome]), [['1.1.1', 'OK'], ['2.1', 'OK'], ['5.19', 'OK'], ['6.4.1', 'NON-STRICT']]);
    assert.match(report.target, /ws-driver\.mjs ws:\/\/127\.0\.0\.1:\d+$/);
  });

  it('testClient substitutes {url}, and reports a driver that exits early or hangs', async () => {
    const viaPlaceholder = await testClient({
      command: process.execPath, args: [DRIVER, '{url}', 'named'], port: 0, cases: '1.1.1', stdio: 'ignore',
    });
    assert.deepEqual(Object.keys(viaPlaceholder.results), ['named']);

    const echoEnv = `if (!process.env.${URL_ENV}?.startsWith('ws://')) process.exit(5); process.exit(3)`;
    const early = await testClient({ command: process.execPath, args: ['-e', echoEnv], port: 0, cases: '1.1.1', stdio: 'ignore' });
    assert.equal(early.exitCode, 3, 'the URL was in the environment');
    assert.deepEqual(early.results, {});
    assert.match(early.notes.join(' '), /exited with code 3/);
    assert.ok(!runPassed(early), 'no case run fails the gate');

    const started = performance.now();
    const hung = await testClient({ command: process.execPath, args: ['-e', 'setTimeout(() => {}, 60_000)'], port: 0, cases: '1.1.1', stdio: 'ignore', timeoutMs: 300 });
    assert.ok(hung.timedOut);
    assert.match(hung.notes.join(' '), /did not finish within 300 ms/);
    assert.ok(performance.now() - started < 5000);

    await assert.rejects(testClient({ command: process.execPath, port: 0, cases: '8.*' }), /matches no case/);
    const missing = await testClient({ command: join(import.meta.dirname, 'no-such-driver'), port: 0, cases: '1.1.1', stdio: 'ignore' });
    assert.match(missing.notes.join(' '), /could not be started/);
  });
});
