/**
 * A small side-by-side benchmark harness.
 *
 * The machine is shared and noisy, so contenders are never measured in
 * separate blocks: every round runs each contender once, in rotating order
 * (A B C, B C A, …), and the result is the median over rounds of each
 * contender's throughput plus the median of the per-round ratios against a
 * reference contender (a paired comparison cancels out slow rounds).
 */

export interface Contender {
  readonly name: string;
  /**
   * Prepare one sample: returns the function to time, which performs `reps`
   * repetitions of the unit of work and returns how many units it did. Work
   * that must not be timed (copying inputs the code under test mutates)
   * belongs in `prepare`.
   */
  prepare(reps: number): () => number;
}

export interface CaseResult {
  readonly case: string;
  /** Median units per second, per contender. */
  readonly median: Record<string, number>;
  /** Median over rounds of (contender / reference), per contender. */
  readonly ratio: Record<string, number>;
  readonly rounds: number;
}

export interface RunOptions {
  readonly rounds: number;
  /** Minimum duration of one timed sample, ms; repetitions are scaled to reach it. */
  readonly sampleMs: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function timeOnce(run: () => number): { units: number; ms: number } {
  // Collect the garbage of earlier samples (and of prepare()) now, so that a
  // collection is not charged to whichever contender happens to run next.
  (globalThis as { gc?: () => void }).gc?.();
  const start = process.hrtime.bigint();
  const units = run();
  return { units, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

/** Find the repetitions that make one sample last at least `sampleMs` (bounded). */
function calibrate(contender: Contender, sampleMs: number): number {
  let reps = 1;
  for (let attempt = 0; attempt < 30; attempt++) {
    const { ms } = timeOnce(contender.prepare(reps));
    if (ms >= sampleMs || reps >= 1 << 24) return reps;
    reps = ms < 1 ? reps * 8 : Math.ceil((reps * sampleMs * 1.2) / ms);
  }
  return reps;
}

/** Measure `contenders` side by side; `reference` names the denominator of the ratios. */
export function compare(caseName: string, contenders: readonly Contender[], reference: string, options: RunOptions): CaseResult {
  const reps = contenders.map((c) => calibrate(c, options.sampleMs));
  const throughputs: number[][] = contenders.map(() => []);
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (round + k) % contenders.length;
      const run = contenders[i]!.prepare(reps[i]!);
      const { units, ms } = timeOnce(run);
      throughputs[i]!.push(units / (ms / 1000));
    }
  }
  const refIndex = contenders.findIndex((c) => c.name === reference);
  const medianByName: Record<string, number> = {};
  const ratioByName: Record<string, number> = {};
  contenders.forEach((c, i) => {
    medianByName[c.name] = median(throughputs[i]!);
    if (refIndex >= 0) ratioByName[c.name] = median(throughputs[i]!.map((t, r) => t / throughputs[refIndex]![r]!));
  });
  return { case: caseName, median: medianByName, ratio: ratioByName, rounds: options.rounds };
}

/** Render rows as an aligned plain-text table (GitHub-markdown compatible). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Format a number with 3 significant digits and an SI suffix. */
export function si(value: number): string {
  const units = ['', 'k', 'M', 'G'];
  let u = 0;
  while (Math.abs(value) >= 1000 && u < units.length - 1) {
    value /= 1000;
    u++;
  }
  return `${value.toPrecision(3)}${units[u]}`;
}

/** Parse `--name value` and `--flag` arguments. */
export function parseArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      args.set(arg.slice(2), next);
      i++;
    } else {
      args.set(arg.slice(2), 'true');
    }
  }
  return args;
}

/** A one-line description of the machine for the report header. */
export async function machineLine(): Promise<string> {
  const os = await import('node:os');
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

/** An asynchronous contender: one call is one timed sample returning units of work done. */
export interface AsyncContender {
  readonly name: string;
  run(): Promise<number>;
}

/** {@link compare} for asynchronous work (network round trips); one warm-up sample each. */
export async function compareAsync(caseName: string, contenders: readonly AsyncContender[], reference: string, rounds: number): Promise<CaseResult> {
  for (const contender of contenders) await contender.run();
  const throughputs: number[][] = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (round + k) % contenders.length;
      (globalThis as { gc?: () => void }).gc?.();
      const start = process.hrtime.bigint();
      const units = await contenders[i]!.run();
      throughputs[i]!.push(units / (Number(process.hrtime.bigint() - start) / 1e9));
    }
  }
  const refIndex = contenders.findIndex((c) => c.name === reference);
  const medianByName: Record<string, number> = {};
  const ratioByName: Record<string, number> = {};
  contenders.forEach((c, i) => {
    medianByName[c.name] = median(throughputs[i]!);
    if (refIndex >= 0) ratioByName[c.name] = median(throughputs[i]!.map((t, r) => t / throughputs[refIndex]![r]!));
  });
  return { case: caseName, median: medianByName, ratio: ratioByName, rounds };
}
