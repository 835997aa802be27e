/**
 * The HTML report: one self-contained page (no scripts, no external files).
 * A colour table of every case and agent — behaviour verdict and the peer's
 * close code, as in Autobahn's report — then each case's details: what was
 * sent and expected, what came back, the closing facts, and the wire log.
 */
import { sectionOf, SECTION_TITLES, subsectionOf, SUBSECTION_TITLES } from './catalogue.js';
import { countBySection, type RunReport } from './run.js';
import type { CaseResult, CloseVerdict, Verdict } from './types.js';

/** Wire-log lines shown per case; the JSON file has them all. */
const HTML_WIRE_LOG_LINES = 300;

/** Text made safe for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const VERDICT_CLASS: Readonly<Record<Verdict | CloseVerdict | 'MISSING', string>> = {
  OK: 'ok',
  'NON-STRICT': 'nonstrict',
  INFORMATIONAL: 'info',
  UNIMPLEMENTED: 'unimpl',
  FAILED: 'failed',
  'WRONG CODE': 'nonstrict',
  UNCLEAN: 'failed',
  'FAILED BY CLIENT': 'nonstrict',
  MISSING: 'missing',
};

const LEGEND: readonly (readonly [string, string, string])[] = [
  ['ok', 'OK', 'The peer did what the case expects.'],
  ['nonstrict', 'NON-STRICT', 'Conformant, but not the behaviour the case prefers: a SHOULD of the RFC not followed ' +
    '(e.g. invalid UTF-8 detected only at the end of a message, an unexpected close code). WRONG CODE and FAILED BY ' +
    'CLIENT closing verdicts count here.'],
  ['failed', 'FAILED', 'A MUST of the RFC broken: wrong events, a protocol violation, no (or an unclean) close where one is required.'],
  ['info', 'INFORMATIONAL', 'The RFC leaves the behaviour open; what happened is reported.'],
  ['unimpl', 'UNIMPLEMENTED', 'The peer does not support what the case needs (sections 12–13: permessage-deflate, or the ' +
    'configuration of it the case offers or asks for), so the case did not run.'],
  ['missing', 'MISSING', 'The client never ran this case.'],
];

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:22px}h2{margin-top:32px}
table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
.ok{background:#0a0;color:#fff}.nonstrict{background:#f90;color:#000}.failed{background:#d00;color:#fff}
.info{background:#39f;color:#fff}.unimpl{background:#999;color:#fff}.missing{background:#ddd;color:#555}
td.ok a,td.failed a,td.info a,td.unimpl a{color:#fff}td.nonstrict a{color:#000}
.section td{background:#333;color:#fff;font-weight:bold}.subsection td{background:#eee;font-style:italic}
.ms{font-size:11px;opacity:.85;margin-left:6px}
details{border:1px solid #ccc;margin:6px 0;padding:4px 8px}
summary{cursor:pointer;font-weight:bold}
pre{background:#f6f6f6;padding:6px;overflow-x:auto;font-size:12px;margin:4px 0}
.wire .tx-frame,.wire .tx-octets{color:#004}.wire .rx-frame,.wire .rx-octets{color:#050}
.wire .kill,.wire .tcp{color:#a00}.wire .wait,.wire .timeout,.wire .deadline,.wire .close-after{color:#666}
.facts td:first-child{font-family:monospace}
`;

function verdictCell(result: CaseResult): string {
  const anchor = `d-${anchorId(result.agent)}-${anchorId(result.id)}`;
  const time = result.reportTime ? `<span class="ms">${result.duration} ms</span>` : '';
  const closeText = result.behaviorClose === 'OK' || result.behaviorClose === 'WRONG CODE' || result.behaviorClose === 'FAILED BY CLIENT' || result.behaviorClose === 'INFORMATIONAL'
    ? String(result.closing.remoteCloseCode ?? '—')
    : result.behaviorClose;
  return `<td class="${VERDICT_CLASS[result.behavior]}"><a href="#${anchor}">${escapeHtml(result.behavior)}</a>${time}</td>` +
    `<td class="${VERDICT_CLASS[result.behaviorClose]}" title="${escapeHtml(result.behaviorClose)}">${escapeHtml(closeText)}</td>`;
}

function anchorId(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, '-');
}

function caseDetails(result: CaseResult): string {
  const anchor = `d-${anchorId(result.agent)}-${anchorId(result.id)}`;
  const facts = Object.entries(result.closing)
    .map(([key, value]) => `<tr><td>${escapeHtml(key)}</td><td>${escapeHtml(String(value))}</td></tr>`).join('');
  const expected = result.expected.outcomes.map((outcome) =>
    `<p><b>${escapeHtml(outcome.verdict)}</b> — ${escapeHtml(outcome.note)}</p><pre>${escapeHtml(outcome.events.join('\n') || '(no events)')}</pre>`).join('');
  const log = result.wirelog.slice(0, HTML_WIRE_LOG_LINES)
    .map((entry) => `<span class="${entry.kind}">${entry.t.toFixed(3).padStart(10)} ${escapeHtml(entry.kind.padEnd(11))} ${escapeHtml(entry.text)}</span>`)
    .join('\n');
  const more = result.wirelog.length > HTML_WIRE_LOG_LINES ? `<p>… ${result.wirelog.length - HTML_WIRE_LOG_LINES} more lines in the case's JSON file.</p>` : '';
  const stats = result.stats;
  const close = result.expected.close;
  return `<details id="${anchor}"><summary><span class="${VERDICT_CLASS[result.outcome]}">&nbsp;${escapeHtml(result.outcome)}&nbsp;</span> ` +
    `Case ${escapeHtml(result.id)} — ${escapeHtml(result.agent)} — behaviour ${escapeHtml(result.behavior)}, close ${escapeHtml(result.behaviorClose)}, ${result.duration} ms</summary>` +
    `<p><b>Description.</b> ${escapeHtml(result.description)}</p>` +
    `<p><b>Expectation.</b> ${escapeHtml(result.expectation)} <i>(${escapeHtml(result.rfc)})</i></p>` +
    `<p><b>Behaviour: ${escapeHtml(result.behavior)}.</b> ${escapeHtml(result.result)}</p>` +
    `<p><b>Closing: ${escapeHtml(result.behaviorClose)}.</b> ${escapeHtml(result.resultClose)}</p>` +
    `<p><b>Expected closing:</b> ${close.closedByMe ? 'the tester closes' : 'the peer fails the connection'}; codes ${close.codes.join(', ')} (or none); ` +
    `${close.requireClean ? 'clean close required' : 'clean close not required'}.</p>` +
    `<h4>Expected events</h4>${expected || '<p>(none)</p>'}` +
    `<h4>Observed events</h4><pre>${escapeHtml(result.received.join('\n') || '(no events)')}</pre>` +
    `<h4>Closing facts</h4><table class="facts">${facts}</table>` +
    `<h4>Opening handshake</h4><pre>${escapeHtml(result.httpRequest.trim() || '(none)')}</pre><pre>${escapeHtml(result.httpResponse.trim() || '(none)')}</pre>` +
    deflateDetails(result) +
    `<h4>Traffic</h4><p>Sent ${stats.txOctets} octets in ${stats.txWrites} writes; received ${stats.rxOctets} octets in ${stats.rxReads} reads. ` +
    `Frames sent by opcode: ${escapeHtml(JSON.stringify(stats.txFrames))}; received: ${escapeHtml(JSON.stringify(stats.rxFrames))}.</p>` +
    `<h4>Wire log</h4><pre class="wire">${log || '(empty)'}</pre>${more}</details>`;
}

/** Sections 12–13: the permessage-deflate negotiation and the compressed traffic. */
function deflateDetails(result: CaseResult): string {
  const d = result.deflate;
  if (d === undefined) return '';
  const t = d.traffic;
  const ratio = (wire: number, payload: number): string => (payload === 0 ? '—' : `${((100 * wire) / payload).toFixed(1)} %`);
  return `<h4>permessage-deflate</h4><p>${escapeHtml(d.negotiation)}</p>` +
    `<p>Offered: <code>${escapeHtml(d.offered || '(nothing)')}</code>; answered: <code>${escapeHtml(d.response || '(nothing)')}</code>.</p>` +
    `<p>Sent ${t.messagesSent} messages, ${t.payloadOctetsSent} octets compressed to ${t.compressedOctetsSent} (${ratio(t.compressedOctetsSent, t.payloadOctetsSent)}); ` +
    `received ${t.messagesReceived} (${t.compressedMessagesReceived} compressed), ${t.payloadOctetsReceived} octets from ${t.wireOctetsReceived} on the wire ` +
    `(${ratio(t.wireOctetsReceived, t.payloadOctetsReceived)}).</p>`;
}

/** The whole page. */
export function renderHtml(report: RunReport): string {
  const agents = Object.keys(report.results).sort();
  const byAgent = new Map(agents.map((agent) => [agent, new Map(report.results[agent]!.map((r) => [r.id, r]))]));
  const rows: string[] = [];
  let section = '';
  let subsection = '';
  for (const id of report.selected) {
    const s = sectionOf(id);
    if (s !== section) {
      section = s;
      subsection = '';
      rows.push(`<tr class="section"><td>${escapeHtml(`${s} ${SECTION_TITLES[s] ?? ''}`)}</td>${agents.map((a) => `<td colspan="2">${escapeHtml(a)}</td>`).join('')}</tr>`);
    }
    const sub = subsectionOf(id);
    if (sub !== subsection && sub !== s) {
      subsection = sub;
      rows.push(`<tr class="subsection"><td colspan="${1 + 2 * agents.length}">${escapeHtml(`${sub} ${SUBSECTION_TITLES[sub] ?? ''}`)}</td></tr>`);
    }
    const cells = agents.map((agent) => {
      const result = byAgent.get(agent)!.get(id);
      return result === undefined ? '<td class="missing" colspan="2">Missing</td>' : verdictCell(result);
    }).join('');
    const description = report.results[agents[0] ?? '']?.find((r) => r.id === id)?.description ?? '';
    rows.push(`<tr><td title="${escapeHtml(description)}">Case ${escapeHtml(id)}</td>${cells}</tr>`);
  }

  const summaryRows = agents.map((agent) => {
    const { total } = countBySection(report.results[agent]!, report.missing[agent] ?? []);
    return `<tr><td>${escapeHtml(agent)}</td>${(['OK', 'NON-STRICT', 'INFORMATIONAL', 'UNIMPLEMENTED', 'FAILED', 'MISSING'] as const)
      .map((k) => `<td class="${total[k] > 0 ? VERDICT_CLASS[k] : ''}">${total[k]}</td>`).join('')}</tr>`;
  }).join('');

  const details = agents.flatMap((agent) => report.results[agent]!.map(caseDetails)).join('\n');
  const what = report.mode === 'server' ? `a WebSocket server at ${report.target}` : `a WebSocket client (${report.target})`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>WebSocket conformance report</title><style>${CSS}</style></head>
<body>
<h1>WebSocket conformance report (RFC 6455)</h1>
<p>Testing ${escapeHtml(what)}${report.quick ? ', quick mode (smaller section 9 payloads, shorter waits)' : ''}. Started ${escapeHtml(report.startedAt)}, took ${(report.durationMs / 1000).toFixed(1)} s. ${report.selected.length} cases selected.</p>
${report.notes.map((note) => `<p><b>Note:</b> ${escapeHtml(note)}</p>`).join('\n')}
<table>${LEGEND.map(([cls, word, text]) => `<tr><td class="${cls}">${word}</td><td>${escapeHtml(text)}</td></tr>`).join('')}</table>
<h2>Summary</h2>
<table><tr><th>Agent</th><th>OK</th><th>NON-STRICT</th><th>INFORMATIONAL</th><th>UNIMPLEMENTED</th><th>FAILED</th><th>MISSING</th></tr>${summaryRows}</table>
<h2>Results</h2>
<p>Per agent: the behaviour verdict (linked to its details; duration for performance cases) and the peer's close code, coloured by the closing verdict.</p>
<table>${rows.join('\n')}</table>
<h2>Details</h2>
${details}
</body></html>
`;
}
