/**
 * Connection churn, bounded for `npm test`: 2,000 connections opened and
 * closed in a loop (every way a connection can end: clean close from either
 * side, terminate() from either side, close() while connecting) must leave
 * no file descriptor, no handle, no server-side bookkeeping and no heap
 * behind. The 50,000-connection run: `npm run churn`.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { churnViolations, formatChurnReport, runChurn } from './churn.js';

it('2,000 connections opened and closed leave no fd, handle or heap growth', { timeout: 60_000 }, async () => {
  assert.ok(globalThis.gc !== undefined, 'run with --expose-gc (test/run.ts does)');
  const report = await runChurn({ connections: 2000, concurrency: 50, servers: 4, seed: 0xc4_6455 });
  assert.deepEqual(churnViolations(report, 4), [], formatChurnReport(report));
  assert.equal(Object.values(report.outcomes).reduce((a, b) => a + b, 0), 2000);
});
