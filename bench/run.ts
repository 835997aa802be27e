/**
 * `npm run bench`: every part in sequence — mask, parse, serialize, echo,
 * echo with permessage-deflate, conns, conns with permessage-deflate, events —
 * each in its own process (bench/suite.ts), every table printed, then a
 * summary of the targets.
 *
 *   npm run bench [-- --parts mask,echo] [--rounds N] [--json] [--out FILE.json]
 *
 * Arguments other than --parts, --json and --out are passed to every part (each
 * part ignores those it does not know). Exit code 1 when a part failed to
 * run; a target not met is a result, not a failure.
 */
import { parseArgs } from './report.js';
import { PARTS, runSuite } from './suite.js';

const argv = process.argv.slice(2);
const args = parseArgs(argv);
const parts = args.get('parts')?.split(',') ?? [...PARTS];
const unknown = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknown.length > 0) throw new Error(`unknown part(s) ${unknown.join(', ')}; parts: ${PARTS.join(', ')}`);
const forward: string[] = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--json') continue;
  if (argv[i] === '--out') { i++; continue; }
  if (argv[i] === '--parts') { i++; continue; }
  forward.push(argv[i]!);
}
process.exitCode = await runSuite(parts, forward, args.has('json'), args.get('out'));
