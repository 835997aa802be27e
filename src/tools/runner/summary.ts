/**
 * The end-of-test summary, in k6's classic text layout (one dotted line per
 * metric, alphabetical; trends as avg/min/med/max/p(90)/p(95); counters as a
 * total and a rate per second) and as the JSON k6's `--summary-export` writes
 * (trend values in milliseconds, counters as `count` and `rate`).
 */
import type { MetricUnit, MetricValue, TrendStats } from './metrics.js';

/** The run as the summary reports it. */
export interface RunSummary {
  /** Wall-clock duration of the test, from the first iteration to the last VU's end. */
  readonly durationMs: number;
  readonly metrics: readonly MetricValue[];
  readonly completeIterations: number;
  readonly interruptedIterations: number;
}

const TREND_KEYS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'] as const satisfies readonly (keyof TrendStats)[];

/** Round to two decimals and drop trailing zeros: 1.5 → "1.5", 2 → "2", 1.005 → "1.01". */
function decimals(value: number, digits = 2): string {
  return String(Number(value.toFixed(digits)));
}

/** A time in milliseconds as k6 prints it: 512.3µs, 1.21ms, 5.01s, 1m2.5s. */
export function formatTime(ms: number): string {
  if (ms === 0) return '0s';
  const abs = Math.abs(ms);
  if (abs < 0.001) return `${decimals(ms * 1e6)}ns`;
  if (abs < 1) return `${decimals(ms * 1000)}µs`;
  if (abs < 1000) return `${decimals(ms)}ms`;
  if (abs < 60_000) return `${decimals(ms / 1000)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${decimals((ms - minutes * 60_000) / 1000)}s`;
}

/** Bytes with SI prefixes, as k6 (go-humanize) prints them: 512 B, 4.8 kB, 48 kB, 1.2 MB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  if (bytes < 10) return `${Math.round(bytes)} B`;
  const exponent = Math.min(Math.floor(Math.log10(bytes) / 3), units.length - 1);
  const value = bytes / 1000 ** exponent;
  return `${value < 10 && exponent > 0 ? value.toFixed(1) : value.toFixed(0)} ${units[exponent]!}`;
}

function formatValue(value: number, unit: MetricUnit): string {
  if (unit === 'time') return formatTime(value);
  if (unit === 'data') return formatBytes(value);
  return decimals(value, 6);
}

/** The summary as text (no trailing newline). */
export function formatSummary(summary: RunSummary): string {
  const width = Math.max(...summary.metrics.map((m) => m.name.length)) + 3;
  // Trend columns are aligned across all trends, as k6 does.
  const trends = summary.metrics.filter((m) => m.kind === 'trend');
  const cell = (m: MetricValue & { kind: 'trend' }, key: (typeof TREND_KEYS)[number]) => `${key}=${formatValue(m.values[key], m.unit)}`;
  const columnWidth = TREND_KEYS.map((key) => Math.max(0, ...trends.map((m) => cell(m, key).length)));
  const lines = summary.metrics.map((metric) => {
    const label = `     ${metric.name}${'.'.repeat(width - metric.name.length)}: `;
    switch (metric.kind) {
      case 'trend':
        return label + TREND_KEYS.map((key, i) => cell(metric, key).padEnd(columnWidth[i]!)).join(' ').trimEnd();
      case 'counter': {
        const { count, rate } = metric.values;
        return `${label}${formatValue(count, metric.unit).padEnd(7)}${formatValue(rate, metric.unit)}/s`;
      }
      case 'gauge': {
        const { value, min, max } = metric.values;
        return `${label}${formatValue(value, metric.unit).padEnd(7)}min=${formatValue(min, metric.unit)} max=${formatValue(max, metric.unit)}`;
      }
    }
  });
  return lines.join('\n');
}

/** The summary as k6's `--summary-export` JSON document. */
export function summaryToJson(summary: RunSummary): unknown {
  const metrics: Record<string, unknown> = {};
  for (const metric of summary.metrics) {
    if (metric.kind === 'trend') {
      const { count: _count, ...values } = metric.values;
      metrics[metric.name] = values;
    } else {
      metrics[metric.name] = { ...metric.values };
    }
  }
  return {
    metrics,
    state: {
      testRunDurationMs: summary.durationMs,
      completeIterations: summary.completeIterations,
      interruptedIterations: summary.interruptedIterations,
    },
  };
}
