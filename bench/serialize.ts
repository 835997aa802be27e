/**
 * serialize: the client-side send path without sockets — one masked frame
 * from a Buffer (binary) or a string (text, UTF-8 encoded on the way) —
 * rfc6455's `encodeFrame` vs ws's `Sender.frame` with bufferutil (ws's
 * default) and on its JS fallback. Sizes 16 B, 1 KiB, 64 KiB, 1 MiB.
 *
 *   npm run bench:serialize [-- --rounds N] [--sample-ms N] [--filter TEXT] [--json]
 *
 * Both draw a fresh random mask key per frame and neither may modify the
 * caller's bytes (ws is told `readOnly` for Buffers, so it copies as it
 * masks, like rfc6455). Rounds rotate the order, gc runs before every
 * sample, ratios are medians of per-round ratios. Target (issue 8): >= 1.2x
 * ws (with bufferutil) at every size. Not a test.
 */
import { encodeFrame, libLabel, Opcode } from './lib.js';
import { type CaseResult, compare, hasGc, pairedMedian } from './harness.js';
import { wsJs, wsNative } from './peers.js';
import { atLeast, check, machineLine, numberArg, parseArgs, printReport, progress, si, sizeName, table, targetCell, times, type TargetCheck } from './report.js';

const args = parseArgs(process.argv.slice(2));
const options = { rounds: numberArg(args, 'rounds', 7), sampleMs: numberArg(args, 'sample-ms', 25) };
const only = args.get('filter') ?? '';
const KIB = 1024;
const SIZES = [16, KIB, 64 * KIB, 1024 * KIB];
const TARGET = atLeast(1.2);

const rows: (CaseResult & { size: number })[] = [];
const targets: TargetCheck[] = [];
for (const size of SIZES) {
  for (const binary of [true, false]) {
    const name = `${sizeName(size)} ${binary ? 'binary' : 'text'}`;
    if (!name.includes(only)) continue;
    progress(`serialize ${name}`);
    const payload: Buffer | string = binary ? Buffer.alloc(size, 0x62) : 'b'.repeat(size);
    const frames = (encode: () => Buffer[]) => (reps: number) => () => {
      let chunks = 0;
      for (let i = 0; i < reps; i++) chunks += encode().length;
      if (chunks === 0) throw new Error('no output');
      return reps;
    };
    const wsOptions = { fin: true, mask: true, opcode: binary ? 2 : 1, readOnly: binary, rsv1: false };
    const result = compare(name, [
      { name: 'rfc6455', prepare: frames(() => encodeFrame(binary ? Opcode.Binary : Opcode.Text, payload, { mask: true })) },
      { name: 'ws+bufferutil', prepare: frames(() => wsNative.Sender.frame(payload, wsOptions)) },
      { name: 'ws (JS)', prepare: frames(() => wsJs.Sender.frame(payload, wsOptions)) },
    ], 'ws+bufferutil', options);
    rows.push({ size, ...result });
    targets.push(check(name, 'frames/s vs ws+bufferutil', result.ratio['rfc6455']!, TARGET));
  }
}

printReport({
  part: 'serialize',
  machine: machineLine(),
  options: { ...options, gc: hasGc, rfc6455: libLabel },
  tables: [{
    caption: 'serialize (client side: one masked frame from a Buffer or a string): frames/s (median), rfc6455 MB/s; ratios are medians of paired per-round ratios',
    markdown: table(
      ['case', 'rfc6455', 'rfc6455 MB/s', 'ws+bufferutil', 'ws (JS)', 'vs ws+bufferutil', 'target', 'vs ws (JS)'],
      rows.map((r) => [
        r.case, si(r.median['rfc6455']!), (r.median['rfc6455']! * r.size / 1e6).toFixed(0),
        si(r.median['ws+bufferutil']!), si(r.median['ws (JS)']!),
        times(r.ratio['rfc6455']!), targetCell(r.ratio['rfc6455']!, TARGET),
        times(pairedMedian(r, 'rfc6455', 'ws (JS)')),
      ]),
    ),
  }],
  notes: hasGc ? [] : ['run with --expose-gc: without it garbage of one contender may be collected on another\'s clock'],
  targets,
  results: rows.map((r) => ({ ...r, unit: 'frames/s', vsWsJs: pairedMedian(r, 'rfc6455', 'ws (JS)') })),
}, args.has('json'));
