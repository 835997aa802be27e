/**
 * Report files, in Autobahn's layout so existing scripts keep working:
 *
 * - `index.json`: `{ agent: { caseId: { behavior, behaviorClose, duration, remoteCloseCode, reportfile } } }`;
 * - one JSON file per agent and case (`<agent>_case_<id>.json`): the full
 *   result, wire log included;
 * - `index.html`: a self-contained page, a colour table of every case and
 *   agent with the details of each case below it;
 * - `run.json`: what was run (mode, target, selection, missing cases, notes, counts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtml } from './report-html.js';
import { countBySection, type RunReport } from './run.js';
import type { CaseResult } from './types.js';

/** An agent name as a file-name prefix: lower case, runs of other characters as one `_`. */
export function cleanForFilename(text: string): string {
  return text.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'agent';
}

/** The per-case report file name. */
export function caseReportFile(agent: string, id: string): string {
  return `${cleanForFilename(agent)}_case_${id.replace(/\./g, '_')}.json`;
}

/** One entry of index.json. */
export interface IndexEntry {
  readonly behavior: string;
  readonly behaviorClose: string;
  readonly duration: number;
  readonly remoteCloseCode: number | null;
  readonly reportfile: string;
}

/** The index.json object. */
export function buildIndex(report: RunReport): Record<string, Record<string, IndexEntry>> {
  const index: Record<string, Record<string, IndexEntry>> = {};
  for (const [agent, results] of Object.entries(report.results)) {
    const entries: Record<string, IndexEntry> = {};
    for (const result of results) {
      entries[result.id] = {
        behavior: result.behavior,
        behaviorClose: result.behaviorClose,
        duration: result.duration,
        remoteCloseCode: result.closing.remoteCloseCode,
        reportfile: caseReportFile(agent, result.id),
      };
    }
    index[agent] = entries;
  }
  return index;
}

/** Write every report file into `dir` (created if needed). Returns the path of index.html. */
export function writeReports(dir: string, report: RunReport): string {
  mkdirSync(dir, { recursive: true });
  for (const [agent, results] of Object.entries(report.results)) {
    for (const result of results) writeFileSync(join(dir, caseReportFile(agent, result.id)), `${JSON.stringify(result, null, 2)}\n`);
  }
  writeFileSync(join(dir, 'index.json'), `${JSON.stringify(buildIndex(report), null, 2)}\n`);
  const counts = Object.fromEntries(Object.entries(report.results).map(([agent, results]: [string, readonly CaseResult[]]) => {
    const { total } = countBySection(results, report.missing[agent] ?? []);
    return [agent, total];
  }));
  const run = {
    mode: report.mode,
    target: report.target,
    quick: report.quick,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    selected: report.selected,
    missing: report.missing,
    notes: report.notes,
    counts,
  };
  writeFileSync(join(dir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  const html = join(dir, 'index.html');
  writeFileSync(html, renderHtml(report));
  return html;
}
