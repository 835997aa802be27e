/**
 * The conformance gate: rfc6455's own server and client, judged by the
 * project's Autobahn-compatible tester on every case of sections 1–13
 * (section 9 at --quick sizes, 12–13 with --quick message counts), with
 * permessage-deflate enabled on both drivers. Every case must be OK —
 * NON-STRICT is not good enough — except the three Autobahn itself only
 * reports as INFORMATIONAL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEchoServer } from '../../src/tools/autobahn/echo-server.js';
import { testClient } from '../../src/tools/conformance/test-client.js';
import { testServer } from '../../src/tools/conformance/test-server.js';
import type { RunReport } from '../../src/tools/conformance/run.js';

/** Autobahn reports these as INFORMATIONAL for every implementation. */
const INFORMATIONAL = new Set(['7.1.6', '7.13.1', '7.13.2']);
const CASES = '*';

function assertAllOk(report: RunReport): void {
  const agents = Object.keys(report.results);
  assert.equal(agents.length, 1);
  const results = report.results[agents[0]!]!;
  assert.equal(results.length, 517, 'every case of sections 1-13 ran');
  assert.deepEqual(report.missing[agents[0]!] ?? [], [], 'every case ran');
  const problems = results
    .filter((r) => r.outcome !== (INFORMATIONAL.has(r.id) ? 'INFORMATIONAL' : 'OK'))
    .map((r) => `${r.id}: ${r.outcome} (${r.behavior}/${r.behaviorClose})`);
  assert.deepEqual(problems, []);
}

describe('conformance gate: rfc6455 passes every case', () => {
  it('as a server (the tester plays wstest -m fuzzingclient)', async () => {
    const wss = await startEchoServer({ port: 0, deflate: true });
    try {
      const { port } = wss.address()!;
      const report = await testServer({ url: `ws://127.0.0.1:${port}`, cases: CASES, quick: true, agent: 'rfc6455' });
      assertAllOk(report);
    } finally {
      await wss.close();
    }
  });

  it('as a client (the tester plays wstest -m fuzzingserver; the client is the autobahn:client driver)', async () => {
    const report = await testClient({
      command: process.execPath,
      args: ['--import', 'tsx', new URL('../../src/tools/autobahn/client.ts', import.meta.url).pathname, '--quiet', '--deflate', '--agent', 'rfc6455'],
      cases: CASES,
      quick: true,
      stdio: 'ignore',
    });
    assert.equal(report.exitCode, 0, 'the driver exited normally');
    assertAllOk(report);
  });
});
