/**
 * mask: masking throughput in GB/s, in one process, side by side:
 * rfc6455's `maskCopy(source → target)`, `bufferutil.mask` (ws's native
 * addon), ws's JavaScript fallback `mask`, and `Buffer.copy` of the same bytes
 * (the memory-bandwidth reference: masking cannot beat a plain copy).
 *
 *   npm run bench:mask [-- --rounds N] [--sample-ms N] [--filter TEXT] [--json]
 *
 * Sizes 16 B, 125 B (the largest control payload), 1 KiB, 16 KiB, 1 MiB,
 * 16 MiB. Every call writes into a separate target of the same size (all four
 * contenders do the same copy-and-mask work). Rounds rotate the order, gc
 * runs before every sample (harness.ts), a sample lasts >= 25 ms, and the
 * ratios are medians of per-round ratios. Targets (issue 8): >= 1.0x
 * bufferutil from 1 KiB up; within 2x of Buffer.copy (ratio >= 0.5x) from
 * 16 KiB up. Not a test: nothing asserts a timing.
 */
import { libLabel, maskCopy } from './lib.js';
import { type CaseResult, compare, type Contender, hasGc, pairedMedian } from './harness.js';
import { bufferutil, wsJs } from './peers.js';
import { atLeast, check, fixed, machineLine, numberArg, parseArgs, printReport, progress, sizeName, table, targetCell, times, type TargetCheck } from './report.js';

const args = parseArgs(process.argv.slice(2));
const options = { rounds: numberArg(args, 'rounds', 7), sampleMs: numberArg(args, 'sample-ms', 25) };
const only = args.get('filter') ?? '';
const KIB = 1024;
const MIB = 1024 * KIB;
const SIZES = [16, 125, KIB, 16 * KIB, MIB, 16 * MIB];

const keyBytes = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
const key = keyBytes.readInt32LE(0);
const rows: (CaseResult & { size: number })[] = [];
const targets: TargetCheck[] = [];
const vsBufferutil = (size: number) => (size >= KIB ? atLeast(1.0) : undefined);
const vsCopy = (size: number) => (size >= 16 * KIB ? atLeast(0.5) : undefined);

for (const size of SIZES) {
  if (!sizeName(size).includes(only)) continue;
  progress(`mask ${sizeName(size)}`);
  const source = Buffer.alloc(size, 0x61);
  const target = Buffer.alloc(size);
  const bytes = (fn: () => void) => (reps: number) => () => {
    for (let i = 0; i < reps; i++) fn();
    return reps * size;
  };
  const contenders: Contender[] = [
    { name: 'rfc6455', prepare: bytes(() => maskCopy(source, 0, size, target, 0, key)) },
    { name: 'bufferutil', prepare: bytes(() => bufferutil.mask(source, keyBytes, target, 0, size)) },
    { name: 'ws (JS)', prepare: bytes(() => wsJs.mask(source, keyBytes, target, 0, size)) },
    { name: 'Buffer.copy', prepare: bytes(() => source.copy(target)) },
  ];
  const result = compare(sizeName(size), contenders, 'bufferutil', options);
  rows.push({ size, ...result });
  const copyRatio = pairedMedian(result, 'rfc6455', 'Buffer.copy');
  const bu = vsBufferutil(size);
  const cp = vsCopy(size);
  if (bu !== undefined) targets.push(check(result.case, 'GB/s vs bufferutil', result.ratio['rfc6455']!, bu));
  if (cp !== undefined) targets.push(check(result.case, 'GB/s vs Buffer.copy', copyRatio, cp));
}

const pairedVs = (r: CaseResult, peer: string): number => pairedMedian(r, 'rfc6455', peer);

printReport({
  part: 'mask',
  machine: machineLine(),
  options: { ...options, gc: hasGc, rfc6455: libLabel },
  tables: [{
    caption: 'mask: GB/s (median over rounds); ratios are rfc6455 / peer, medians of paired per-round ratios',
    markdown: table(
      ['size', 'rfc6455', 'bufferutil', 'ws (JS)', 'Buffer.copy', 'vs bufferutil', 'target', 'vs ws (JS)', 'vs copy', 'target'],
      rows.map((r) => [
        r.case, ...['rfc6455', 'bufferutil', 'ws (JS)', 'Buffer.copy'].map((n) => fixed(r.median[n]! / 1e9, 2)),
        times(r.ratio['rfc6455']!), targetCell(r.ratio['rfc6455']!, vsBufferutil(r.size)),
        times(pairedVs(r, 'ws (JS)')),
        times(pairedVs(r, 'Buffer.copy')), targetCell(pairedVs(r, 'Buffer.copy'), vsCopy(r.size)),
      ]),
    ),
  }],
  notes: hasGc ? [] : ['run with --expose-gc: without it garbage of one contender may be collected on another\'s clock'],
  targets,
  results: rows.map((r) => ({ ...r, unit: 'bytes/s', vsCopy: pairedVs(r, 'Buffer.copy'), vsWsJs: pairedVs(r, 'ws (JS)') })),
}, args.has('json'));
