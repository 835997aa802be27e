/**
 * The side-by-side sampling harness and its statistics.
 *
 * The machine is shared and noisy, so contenders are never measured in
 * separate blocks: every round runs each contender once, in rotating order
 * (A B C, B C A, …), and the result is the median over rounds of each
 * contender's throughput plus the median of the per-round ratios against a
 * reference contender (a paired comparison: a slow round slows every
 * contender of that round alike, and its ratio stays put). Where the
 * contenders share a process, the garbage collector runs before every timed
 * sample (`--expose-gc`) so that one contender's garbage is not collected on
 * another's clock. Every raw per-round sample is kept for `--json`.
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
  /** Units per second of every round, per contender, in round order. */
  readonly samples: Record<string, number[]>;
}

export interface RunOptions {
  readonly rounds: number;
  /** Minimum duration of one timed sample, ms; repetitions are scaled to reach it. */
  readonly sampleMs: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The q-quantile (0..1) of `sorted` (ascending), nearest-rank: the smallest
 * value with at least q of the values at or below it.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/** Per-round ratios a[i] / b[i] of two equally long sample lists. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`paired samples differ in length: ${a.length} vs ${b.length}`);
  return a.map((value, i) => value / b[i]!);
}

/** Summarize per-contender samples of equal length: medians, and medians of paired ratios vs `reference`. */
export function summarize(caseName: string, samples: Record<string, number[]>, reference: string): CaseResult {
  const medianByName: Record<string, number> = {};
  const ratioByName: Record<string, number> = {};
  const ref = samples[reference];
  let rounds = 0;
  for (const [name, values] of Object.entries(samples)) {
    medianByName[name] = median(values);
    if (ref !== undefined) ratioByName[name] = median(pairedRatios(values, ref));
    rounds = Math.max(rounds, values.length);
  }
  return { case: caseName, median: medianByName, ratio: ratioByName, rounds, samples };
}

/** The contenders' order in `round`: a rotation, so each runs first, second, … equally often. */
export function rotation<T>(items: readonly T[], round: number): T[] {
  const n = items.length;
  return Array.from({ length: n }, (_, k) => items[(round + k) % n]!);
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Whether the process was started with --expose-gc (the parts print a warning otherwise). */
export const hasGc = gc !== undefined;

function timeOnce(run: () => number): { units: number; ms: number } {
  // Collect the garbage of earlier samples (and of prepare()) now, so that a
  // collection is not charged to whichever contender happens to run next.
  gc?.();
  const start = process.hrtime.bigint();
  const units = run();
  return { units, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

/** Find the repetitions that make one sample last at least `sampleMs` (bounded: 30 attempts, 2^24 reps). */
function calibrate(contender: Contender, sampleMs: number): number {
  let reps = 1;
  for (let attempt = 0; attempt < 30; attempt++) {
    const { ms } = timeOnce(contender.prepare(reps));
    if (ms >= sampleMs || reps >= 1 << 24) return reps;
    reps = ms < 1 ? reps * 8 : Math.ceil((reps * sampleMs * 1.2) / ms);
  }
  return reps;
}

/** Measure synchronous `contenders` side by side; `reference` names the denominator of the ratios. */
export function compare(caseName: string, contenders: readonly Contender[], reference: string, options: RunOptions): CaseResult {
  const reps = new Map(contenders.map((c) => [c, calibrate(c, options.sampleMs)]));
  const samples: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const contender of rotation(contenders, round)) {
      const run = contender.prepare(reps.get(contender)!);
      const { units, ms } = timeOnce(run);
      samples[contender.name]!.push(units / (ms / 1000));
    }
  }
  return summarize(caseName, samples, reference);
}

/** An asynchronous contender: one call is one timed sample returning units of work done. */
export interface AsyncContender {
  readonly name: string;
  run(): Promise<number>;
}

/** {@link compare} for asynchronous work (network round trips); one untimed warm-up sample each. */
export async function compareAsync(caseName: string, contenders: readonly AsyncContender[], reference: string, rounds: number): Promise<CaseResult> {
  for (const contender of contenders) await contender.run();
  const samples: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const contender of rotation(contenders, round)) {
      gc?.();
      const start = process.hrtime.bigint();
      const units = await contender.run();
      samples[contender.name]!.push(units / (Number(process.hrtime.bigint() - start) / 1e9));
    }
  }
  return summarize(caseName, samples, reference);
}

/** Median over rounds of samples[a] / samples[b]: a paired ratio between any two contenders of a case. */
export function pairedMedian(result: CaseResult, a: string, b: string): number {
  const x = result.samples[a];
  const y = result.samples[b];
  if (x === undefined || y === undefined) return Number.NaN;
  return median(pairedRatios(x, y));
}
