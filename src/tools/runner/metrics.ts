/**
 * The runner's metrics: which ones exist, how a virtual user buffers its
 * samples, and how the main thread merges them and reduces them to the
 * numbers of the summary.
 *
 * Counters are exact sums (messages, bytes, sessions). Trends keep every
 * sample, as k6's trend sink does, so percentiles are computed from the data,
 * never estimated: a run holds one sample per session or iteration, not per
 * message, so this stays small.
 */

/** How a metric aggregates: a sum with a rate, a distribution, or a last value. */
export type MetricKind = 'counter' | 'trend' | 'gauge';

/** What a metric's values measure, for formatting: milliseconds, bytes, or plain numbers. */
export type MetricUnit = 'time' | 'data' | 'none';

export interface MetricInfo {
  readonly kind: MetricKind;
  readonly unit: MetricUnit;
  /** Shown in the summary even when it has no sample (k6 shows ws_ping only when pings were sent). */
  readonly alwaysShown: boolean;
}

/** Every metric the runner records, by k6 name. */
export const METRICS = {
  data_received: { kind: 'counter', unit: 'data', alwaysShown: true },
  data_sent: { kind: 'counter', unit: 'data', alwaysShown: true },
  iteration_duration: { kind: 'trend', unit: 'time', alwaysShown: true },
  iterations: { kind: 'counter', unit: 'none', alwaysShown: true },
  script_errors: { kind: 'counter', unit: 'none', alwaysShown: false },
  vus_max: { kind: 'gauge', unit: 'none', alwaysShown: true },
  ws_connecting: { kind: 'trend', unit: 'time', alwaysShown: true },
  ws_msgs_received: { kind: 'counter', unit: 'none', alwaysShown: true },
  ws_msgs_sent: { kind: 'counter', unit: 'none', alwaysShown: true },
  ws_ping: { kind: 'trend', unit: 'time', alwaysShown: false },
  ws_session_duration: { kind: 'trend', unit: 'time', alwaysShown: true },
  ws_sessions: { kind: 'counter', unit: 'none', alwaysShown: true },
} as const satisfies Record<string, MetricInfo>;

export type MetricName = keyof typeof METRICS;
export type CounterName = { [K in MetricName]: (typeof METRICS)[K]['kind'] extends 'counter' ? K : never }[MetricName];
export type TrendName = { [K in MetricName]: (typeof METRICS)[K]['kind'] extends 'trend' ? K : never }[MetricName];

/** Samples taken since the last drain, as posted from a VU to the main thread. */
export interface MetricsBatch {
  readonly counters: Partial<Record<CounterName, number>>;
  readonly trends: Partial<Record<TrendName, number[]>>;
}

/** A VU's sample buffer: cheap to add to, drained periodically into a batch. */
export class MetricsBuffer {
  #counters: Partial<Record<CounterName, number>> = {};
  #trends: Partial<Record<TrendName, number[]>> = {};
  #empty = true;

  /** Add `value` (default 1) to a counter. */
  add(name: CounterName, value = 1): void {
    this.#counters[name] = (this.#counters[name] ?? 0) + value;
    this.#empty = false;
  }

  /** Record one trend sample (milliseconds for time trends). */
  sample(name: TrendName, value: number): void {
    (this.#trends[name] ??= []).push(value);
    this.#empty = false;
  }

  /** Everything recorded since the last drain (null when nothing was), and start afresh. */
  drain(): MetricsBatch | null {
    if (this.#empty) return null;
    const batch = { counters: this.#counters, trends: this.#trends };
    this.#counters = {};
    this.#trends = {};
    this.#empty = true;
    return batch;
  }
}

/** Reduced trend: k6's avg, min, med, max, p(90), p(95) (plus the sample count). */
export interface TrendStats {
  readonly count: number;
  readonly avg: number;
  readonly min: number;
  readonly med: number;
  readonly max: number;
  readonly 'p(90)': number;
  readonly 'p(95)': number;
}

/**
 * The `p`-quantile (0 ≤ p ≤ 1) of ascending `sorted` values, exactly as k6's
 * trend sink computes it: rank r = p·(n−1); the result interpolates linearly
 * between the values at ⌊r⌋ and ⌈r⌉ (the "R-7" / spreadsheet PERCENTILE.INC
 * definition). No value → 0; one value → that value.
 */
export function percentile(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  if (n === 1) return sorted[0]!;
  const rank = Math.min(Math.max(p, 0), 1) * (n - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const below = sorted[lower]!;
  return below + (sorted[upper]! - below) * (rank - lower);
}

/** Reduce trend samples (in any order) to the summary's statistics; all 0 when empty. */
export function trendStats(values: readonly number[]): TrendStats {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  let sum = 0;
  for (const value of list) sum += value;
  return {
    count: list.length,
    avg: list.length === 0 ? 0 : sum / list.length,
    min: list[0] ?? 0,
    med: percentile(list, 0.5),
    max: list[list.length - 1] ?? 0,
    'p(90)': percentile(list, 0.9),
    'p(95)': percentile(list, 0.95),
  };
}

export interface CounterValue { readonly count: number; readonly rate: number }
export interface GaugeValue { readonly value: number; readonly min: number; readonly max: number }

/** One metric in the summary. */
export type MetricValue =
  | { readonly name: MetricName; readonly kind: 'counter'; readonly unit: MetricUnit; readonly values: CounterValue }
  | { readonly name: MetricName; readonly kind: 'trend'; readonly unit: MetricUnit; readonly values: TrendStats }
  | { readonly name: MetricName; readonly kind: 'gauge'; readonly unit: MetricUnit; readonly values: GaugeValue };

/** The main thread's totals: every batch merged, reduced on demand. */
export class MetricsStore {
  readonly #counters = new Map<CounterName, number>();
  readonly #trends = new Map<TrendName, number[]>();
  readonly #gauges = new Map<MetricName, GaugeValue>();

  merge(batch: MetricsBatch): void {
    for (const [name, value] of Object.entries(batch.counters) as [CounterName, number][]) {
      this.#counters.set(name, (this.#counters.get(name) ?? 0) + value);
    }
    for (const [name, values] of Object.entries(batch.trends) as [TrendName, number[]][]) {
      const all = this.#trends.get(name);
      if (all === undefined) this.#trends.set(name, [...values]);
      else for (const value of values) all.push(value);
    }
  }

  /** Set a gauge, keeping its minimum and maximum. */
  gauge(name: MetricName, value: number): void {
    const old = this.#gauges.get(name);
    this.#gauges.set(name, { value, min: Math.min(old?.min ?? value, value), max: Math.max(old?.max ?? value, value) });
  }

  /** A counter's running total (for the progress display). */
  count(name: CounterName): number {
    return this.#counters.get(name) ?? 0;
  }

  /**
   * Every metric to report, alphabetically (as k6 prints them). Counter rates
   * are per second of `durationMs`, the test's wall-clock duration.
   */
  snapshot(durationMs: number): MetricValue[] {
    const seconds = durationMs / 1000;
    const result: MetricValue[] = [];
    for (const name of (Object.keys(METRICS) as MetricName[]).sort()) {
      const info: MetricInfo = METRICS[name];
      if (info.kind === 'counter') {
        const count = this.#counters.get(name as CounterName);
        if (count === undefined && !info.alwaysShown) continue;
        const total = count ?? 0;
        result.push({ name, kind: 'counter', unit: info.unit, values: { count: total, rate: seconds > 0 ? total / seconds : 0 } });
      } else if (info.kind === 'trend') {
        const values = this.#trends.get(name as TrendName);
        if (values === undefined && !info.alwaysShown) continue;
        result.push({ name, kind: 'trend', unit: info.unit, values: trendStats(values ?? []) });
      } else {
        const gauge = this.#gauges.get(name);
        if (gauge === undefined && !info.alwaysShown) continue;
        result.push({ name, kind: 'gauge', unit: info.unit, values: gauge ?? { value: 0, min: 0, max: 0 } });
      }
    }
    return result;
  }
}
