/**
 * `npm run bench:frame`, kept for compatibility: the frame-layer parts
 * (mask, parse, serialize) in sequence, each in its own process. Same as
 * `npm run bench -- --parts mask,parse,serialize`.
 *
 *   npm run bench:frame [-- --part mask|parse|serialize] [--rounds N] [--sample-ms N] [--filter TEXT] [--json]
 */
import { parseArgs } from './report.js';
import { runSuite } from './suite.js';

const argv = process.argv.slice(2);
const args = parseArgs(argv);
const parts = args.get('part')?.split(',') ?? ['mask', 'parse', 'serialize'];
const forward: string[] = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--json') continue;
  if (argv[i] === '--out') { i++; continue; }
  if (argv[i] === '--part') { i++; continue; }
  forward.push(argv[i]!);
}
process.exitCode = await runSuite(parts, forward, args.has('json'), args.get('out'));
