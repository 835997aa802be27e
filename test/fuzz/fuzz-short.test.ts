/**
 * The bounded fuzz run of `npm test`: every target of test/fuzz for a couple
 * of seconds (and at most a fixed number of cases) from a fixed seed, so a
 * failure reproduces with the command it prints. The long run is
 * `npm run fuzz -- --seconds N` (see ./run.ts).
 *
 * Every generator feature is on, including the two that found bugs in the
 * long runs (test/reliability/regressions.test.ts pins them): compressed
 * messages ending with a BFINAL block (RFC 7692 §7.2.3.4), and a peer FIN
 * racing a message that is still being inflated.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReport, runTarget } from './harness.js';
import { TARGETS } from './targets/index.js';

const SEED = 0x6455_0009;

const budgets: [name: string, seconds: number, maxCases: number, mustSee: string[]][] = [
  ['parser', 1.5, 3000, ['fail 1002', 'fail 1007', 'fail 1009', 'incomplete']],
  ['handshake', 1, 20_000, ['request accepted', 'response accepted', 'request WS_ERR_MALFORMED_HTTP']],
  ['server', 2, 600, ['fail 1002', 'fail 1007', 'close 1000', 'incomplete']],
  ['server-deflate', 1.5, 250, ['fail 1002', 'close 1000']],
  ['client', 2, 600, ['fail 1002', 'fail 1007', 'close 1000', 'incomplete']],
  ['client-deflate', 1.5, 250, ['fail 1002', 'close 1000']],
];

describe('fuzz (bounded, seeded)', () => {
  for (const [name, seconds, maxCases, mustSee] of budgets) {
    it(`${name}: ${TARGETS[name]!().description}`, { timeout: 60_000 }, async () => {
      const report = await runTarget(TARGETS[name]!(), {
        seed: SEED,
        seconds,
        maxCases,
        generate: { bfinal: true, finRace: true, skipBfinalCases: false },
      });
      assert.equal(report.failure, null, formatReport(report));
      assert.ok(report.cases >= 20, `only ${report.cases} cases ran\n${formatReport(report)}`);
      // The inputs must actually reach the interesting paths, not just one of them.
      const labels = Object.keys(report.outcomes).join(' | ');
      for (const label of mustSee) assert.ok(labels.includes(label), `no case ended with "${label}"\n${formatReport(report)}`);
    });
  }
});
