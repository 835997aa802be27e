/**
 * Output of every part: command-line arguments, number formatting, markdown
 * tables, the targets (a "target" column that says met / NOT met),
 * and one report object per part, printed either as readable markdown or,
 * with `--json`, as one JSON document (machine line, options, tables, target
 * checks and the raw per-round samples).
 */
import { cpus, loadavg, totalmem } from 'node:os';

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

/** A comma-separated list argument, or the default. */
export function listArg(args: Map<string, string>, name: string, fallback: readonly string[]): string[] {
  const value = args.get(name);
  return value === undefined ? [...fallback] : value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** A positive numeric argument, or the default; anything else is an error. */
export function numberArg(args: Map<string, string>, name: string, fallback: number): number {
  const value = args.get(name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${value}`);
  return n;
}

/** Format a number with 3 significant digits and an SI suffix. */
export function si(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const units = ['', 'k', 'M', 'G'];
  let u = 0;
  while (Math.abs(value) >= 1000 && u < units.length - 1) {
    value /= 1000;
    u++;
  }
  return `${value.toPrecision(3)}${units[u]}`;
}

/** A ratio as `1.23x`. */
export function times(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a';
}

/** A number with a fixed number of decimals, or n/a. */
export function fixed(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

const KIB = 1024;
const MIB = 1024 * KIB;
/** 16 B, 1 KiB, 1 MiB. */
export function sizeName(n: number): string {
  return n >= MIB ? `${n / MIB} MiB` : n >= KIB ? `${n / KIB} KiB` : `${n} B`;
}

/** Render rows as an aligned markdown table. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${headers.map((_, i) => (cells[i] ?? '').padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * A one-line description of the machine for the report header, with the
 * 1-minute load average when the part started (other work on this shared
 * machine shows there: above ~2 on 2 cores, expect wide swings in wall-clock
 * figures).
 */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load ${loadAtStart.toFixed(1)}`;
}
const loadAtStart = loadavg()[0] ?? 0;

/** A target of the issue: the median paired ratio must be `>=` or `<=` `value`. */
export interface Target {
  readonly op: '>=' | '<=';
  readonly value: number;
}

export const atLeast = (value: number): Target => ({ op: '>=', value });
export const atMost = (value: number): Target => ({ op: '<=', value });

export function meets(ratio: number, target: Target): boolean {
  return target.op === '>=' ? ratio >= target.value : ratio <= target.value;
}

/** The "target" cell: `met (>= 1.5x)`, `NOT met (>= 1.5x)`, or empty where the issue sets none. */
export function targetCell(ratio: number, target: Target | undefined): string {
  if (target === undefined) return '';
  if (!Number.isFinite(ratio)) return `n/a (${target.op} ${target.value}x)`;
  return `${meets(ratio, target) ? 'met' : 'NOT met'} (${target.op} ${target.value}x)`;
}

/** One checked target, as listed in the JSON and in the summary of `npm run bench`. */
export interface TargetCheck {
  readonly case: string;
  readonly metric: string;
  readonly ratio: number;
  readonly target: string;
  readonly met: boolean;
}

export function check(caseName: string, metric: string, ratio: number, target: Target): TargetCheck {
  return { case: caseName, metric, ratio, target: `${target.op} ${target.value}x`, met: Number.isFinite(ratio) && meets(ratio, target) };
}

/** Everything one part reports. */
export interface PartReport {
  readonly part: string;
  readonly machine: string;
  readonly options: Record<string, unknown>;
  /** Readable tables, each with a one-line caption. */
  readonly tables: { readonly caption: string; readonly markdown: string }[];
  readonly notes: string[];
  readonly targets: TargetCheck[];
  /** Medians, paired ratios and raw per-round samples, part-specific. */
  readonly results: unknown;
}

/** Print a part's report: markdown (default) or one JSON document (`--json`). */
export function printReport(report: PartReport, asJson: boolean): void {
  if (asJson) {
    console.log(JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2));
    return;
  }
  const opts = Object.entries(report.options).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(' ');
  console.log(`\n## ${report.part}\n\n${report.machine}; ${opts}`);
  for (const { caption, markdown } of report.tables) console.log(`\n${caption}\n\n${markdown}`);
  if (report.targets.length > 0) {
    const met = report.targets.filter((t) => t.met).length;
    console.log(`\ntargets: ${met} of ${report.targets.length} met`);
  }
  for (const note of report.notes) console.log(`\nnote: ${note}`);
}

/** Progress lines go to stderr, so stdout stays a clean table or JSON document. */
export function progress(message: string): void {
  if (process.env['BENCH_QUIET'] !== '1') process.stderr.write(`  · ${message}\n`);
}
