/**
 * A whole run: the selected cases, every agent's results, and the counts that
 * the summary, the reports and the exit code are made from.
 */
import { sectionOf } from './catalogue.js';
import type { CaseResult, Mode, Verdict } from './types.js';

/** Everything a run produced. */
export interface RunReport {
  readonly mode: Mode;
  /** What was tested: the server URL, or the client command. */
  readonly target: string;
  readonly quick: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  /** The selected case ids, in order (unimplemented ones included). */
  readonly selected: readonly string[];
  /** Results by agent, in case order. */
  readonly results: Readonly<Record<string, readonly CaseResult[]>>;
  /** Client mode: selected, runnable cases an agent never ran (by agent). */
  readonly missing: Readonly<Record<string, readonly string[]>>;
  /** Anything the reader of the summary should know (a timed-out command, a skipped section). */
  readonly notes: readonly string[];
}

/** Counts per verdict (the case outcome) plus MISSING. */
export type VerdictCounts = Record<Verdict | 'MISSING', number>;

/** All counts at zero. */
export function emptyCounts(): VerdictCounts {
  return { OK: 0, 'NON-STRICT': 0, INFORMATIONAL: 0, UNIMPLEMENTED: 0, FAILED: 0, MISSING: 0 };
}

/** Counts per section (`'1'`, `'2'`, …) for one agent, and the total. */
export function countBySection(results: readonly CaseResult[], missing: readonly string[] = []): { sections: Map<string, VerdictCounts>; total: VerdictCounts } {
  const sections = new Map<string, VerdictCounts>();
  const total = emptyCounts();
  const bump = (id: string, key: keyof VerdictCounts): void => {
    const section = sectionOf(id);
    let counts = sections.get(section);
    if (counts === undefined) sections.set(section, counts = emptyCounts());
    counts[key]++;
    total[key]++;
  };
  for (const result of results) bump(result.id, result.outcome);
  for (const id of missing) bump(id, 'MISSING');
  return { sections: new Map([...sections].sort((a, b) => Number(a[0]) - Number(b[0]))), total };
}

/** Options of {@link runPassed}. */
export interface GateOptions {
  /** Also fail on NON-STRICT outcomes. Default false. */
  readonly strict?: boolean;
}

/** Whether the run passes the gate: no FAILED case, no missing case (and, strict, no NON-STRICT one). */
export function runPassed(report: RunReport, options: GateOptions = {}): boolean {
  const agents = Object.keys(report.results);
  if (agents.length === 0 && report.selected.length > 0) return false;
  for (const agent of agents) {
    if ((report.missing[agent]?.length ?? 0) > 0) return false;
    for (const result of report.results[agent]!) {
      if (result.outcome === 'FAILED') return false;
      if (options.strict === true && result.outcome === 'NON-STRICT') return false;
    }
  }
  return true;
}
