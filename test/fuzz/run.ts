/**
 * The fuzz CLI.
 *
 *   npm run fuzz -- [--seconds N] [--seed S] [--target NAME[,NAME...]] [--max-cases N] [--no-bfinal] [--no-fin-race] [--skip-bfinal-cases]
 *   npm run fuzz -- --target NAME --replay CASE_SEED
 *
 * (`npm run fuzz` is `node --expose-gc --import tsx test/fuzz/run.ts`.)
 *
 * --seconds   total time budget, split evenly between the targets (default 60)
 * --seed      run seed (default: random, printed first; the same seed replays the same inputs)
 * --target    parser, handshake, server, server-deflate, client, client-deflate (default: all)
 * --max-cases stop each target after this many cases
 * --replay    run the single case a failure printed (its case seed)
 * --no-bfinal    do not generate permessage-deflate messages that end with a BFINAL block
 * --no-fin-race  live targets: the peer sends FIN only after the endpoint answered or consumed
 *                everything (by default it sometimes sends FIN right after its last bytes)
 * --skip-bfinal-cases  deflate targets: count cases whose traffic ended a DEFLATE stream early
 *                (generated or by mutation) as skipped instead of checking them
 *
 * Exits 1 after printing the failing case (its seed, its input, the replay
 * command) as soon as an invariant breaks; 0 when every target held.
 */
import { parseArgs } from 'node:util';
import { formatReport, runTarget } from './harness.js';
import { TARGETS } from './targets/index.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string' },
    target: { type: 'string' },
    'max-cases': { type: 'string' },
    replay: { type: 'string' },
    'no-bfinal': { type: 'boolean', default: false },
    'no-fin-race': { type: 'boolean', default: false },
    'skip-bfinal-cases': { type: 'boolean', default: false },
  },
});

const names = values.target === undefined ? Object.keys(TARGETS) : values.target.split(',');
for (const name of names) {
  if (TARGETS[name] === undefined) {
    console.error(`unknown target ${name}; targets: ${Object.keys(TARGETS).join(', ')}`);
    process.exit(2);
  }
}
if (values.replay !== undefined && names.length !== 1) {
  console.error('--replay needs exactly one --target');
  process.exit(2);
}
const seconds = Number(values.seconds);
const flags = `${values['no-bfinal'] ? ' --no-bfinal' : ''}${values['no-fin-race'] ? ' --no-fin-race' : ''}${values['skip-bfinal-cases'] ? ' --skip-bfinal-cases' : ''}`;
const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : Math.floor(Math.random() * 2 ** 32);
const maxCases = values['max-cases'] !== undefined ? Number(values['max-cases']) : undefined;
const replay = values.replay !== undefined ? Number(values.replay) >>> 0 : undefined;
if (!(seconds > 0)) {
  console.error('--seconds must be a positive number');
  process.exit(2);
}
if (globalThis.gc === undefined) console.warn('note: run with --expose-gc (npm run fuzz does) for exact heap figures');

console.log(`rfc6455 fuzz: seed ${seed}, ${seconds} s over ${names.join(', ')}${flags}`);
console.log(`reproduce this run: npm run fuzz -- --seed ${seed} --seconds ${seconds} --target ${names.join(',')}${flags}`);
let failed = false;
for (const name of names) {
  const report = await runTarget(TARGETS[name]!(), {
    seed,
    seconds: seconds / names.length,
    ...(maxCases !== undefined ? { maxCases } : {}),
    ...(replay !== undefined ? { replay } : {}),
    generate: { bfinal: !values['no-bfinal'], finRace: !values['no-fin-race'], skipBfinalCases: values['skip-bfinal-cases'] },
    log: (line) => console.log(`  … ${line}`),
  });
  console.log(formatReport(report));
  if (report.failure !== null) {
    failed = true;
    break;
  }
}
console.log(failed ? 'FAILED' : 'all invariants held');
process.exitCode = failed ? 1 : 0;
