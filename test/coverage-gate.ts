/**
 * Per-layer coverage thresholds, checked after `c8` has written
 * coverage/coverage-summary.json. c8's own `--check-coverage` applies one
 * number to the whole tree; the frame layer is held to a higher bar because
 * every branch in it is a protocol rule.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

interface Totals { total: number; covered: number }
interface FileSummary { lines: Totals }

/** Minimum line coverage per folder under src/, in percent. */
const THRESHOLDS: Record<string, number> = {
  'src/frame/': 95,
  'src/handshake/': 95,
};

const root = resolve(import.meta.dirname, '..');
const summary = JSON.parse(readFileSync(resolve(root, 'coverage/coverage-summary.json'), 'utf8')) as Record<string, FileSummary>;
let failed = false;
for (const [folder, minimum] of Object.entries(THRESHOLDS)) {
  let total = 0;
  let covered = 0;
  for (const [file, data] of Object.entries(summary)) {
    if (file === 'total' || !relative(root, file).startsWith(folder)) continue;
    total += data.lines.total;
    covered += data.lines.covered;
  }
  const percent = total === 0 ? 0 : (100 * covered) / total;
  const verdict = percent >= minimum ? 'ok' : 'FAILED';
  console.log(`coverage ${folder}: lines ${percent.toFixed(2)}% (minimum ${minimum}%) ${verdict}`);
  if (percent < minimum) failed = true;
}
process.exitCode = failed ? 1 : 0;
