/**
 * The plain-text summary printed at the end of a run: counts per verdict per
 * section for every agent, then the cases that were not OK with the reason.
 */
import { SECTION_TITLES } from './catalogue.js';
import { countBySection, type RunReport, type VerdictCounts } from './run.js';

const COLUMNS = ['OK', 'NON-STRICT', 'INFORMATIONAL', 'UNIMPLEMENTED', 'FAILED', 'MISSING'] as const;
const HEADINGS: Readonly<Record<(typeof COLUMNS)[number], string>> = {
  OK: 'OK', 'NON-STRICT': 'NON-STRICT', INFORMATIONAL: 'INFO', UNIMPLEMENTED: 'UNIMPL', FAILED: 'FAILED', MISSING: 'MISSING',
};

/** Most non-OK cases listed with their reason, per agent and verdict. */
const LIST_LIMIT = 25;

function row(label: string, counts: VerdictCounts, columns: readonly (typeof COLUMNS)[number][]): string {
  return label.padEnd(34) + columns.map((c) => String(counts[c]).padStart(HEADINGS[c].length + 2)).join('');
}

/** The summary, as lines of text. */
export function formatSummary(report: RunReport): string {
  const lines: string[] = [];
  const what = report.mode === 'server' ? `server ${report.target}` : `client ${report.target}`;
  lines.push(`rfc6455 conformance: ${what}${report.quick ? ' (quick)' : ''}, ${report.selected.length} cases, ${(report.durationMs / 1000).toFixed(1)} s`);
  const agents = Object.keys(report.results).sort();
  if (agents.length === 0) lines.push('', 'No results: no client ran any case.');
  const columns = COLUMNS.filter((c) => c !== 'MISSING' || report.mode === 'client');
  for (const agent of agents) {
    const results = report.results[agent]!;
    const missing = report.missing[agent] ?? [];
    const { sections, total } = countBySection(results, missing);
    lines.push('', `Agent: ${agent}`, 'Section'.padEnd(34) + columns.map((c) => HEADINGS[c].padStart(HEADINGS[c].length + 2)).join(''));
    for (const [section, counts] of sections) lines.push(row(` ${section.padStart(2)} ${SECTION_TITLES[section] ?? ''}`, counts, columns));
    lines.push(row(' Total', total, columns));
    for (const verdict of ['FAILED', 'NON-STRICT'] as const) {
      const list = results.filter((r) => r.outcome === verdict);
      if (list.length === 0) continue;
      lines.push('', `${verdict}:`);
      for (const r of list.slice(0, LIST_LIMIT)) {
        const why = r.behavior === 'OK' ? r.resultClose : r.result;
        lines.push(`  ${r.id.padEnd(8)} behaviour ${r.behavior}, close ${r.behaviorClose}: ${why}`);
      }
      if (list.length > LIST_LIMIT) lines.push(`  … and ${list.length - LIST_LIMIT} more (see the report)`);
    }
    if (missing.length > 0) lines.push('', `MISSING (never run by the client): ${missing.slice(0, 40).join(' ')}${missing.length > 40 ? ' …' : ''}`);
  }
  if (report.notes.length > 0) lines.push('', ...report.notes.map((note) => `Note: ${note}`));
  return lines.join('\n');
}
