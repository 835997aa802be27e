/**
 * The conformance tester as a library: test a WebSocket server
 * ({@link testServer}) or client ({@link testClient}, {@link FuzzingServer})
 * the way the Autobahn|Testsuite does, and write its reports.
 *
 * This module belongs to the tools (src/tools), not to the library: importing
 * `rfc6455` never loads it.
 */
export { buildCatalogue, compareCaseIds, SECTION_TITLES, SUBSECTION_TITLES } from './catalogue.js';
export type { CatalogueOptions } from './catalogue.js';
export { runConformanceCommand, USAGE } from './command.js';
export type { CommandIo } from './command.js';
export { matchesTerm, parseCasePattern, PatternError, selectCaseIds } from './pattern.js';
export type { CasePattern } from './pattern.js';
export { buildIndex, caseReportFile, writeReports } from './report.js';
export { countBySection, runPassed } from './run.js';
export type { GateOptions, RunReport, VerdictCounts } from './run.js';
export { caseBudget, DEFAULT_TIMING } from './timing.js';
export type { SessionTiming } from './timing.js';
export { formatSummary } from './summary.js';
export { FuzzingServer, testClient, URL_ENV } from './test-client.js';
export type { ClientRunReport, FuzzingServerOptions, TestClientOptions } from './test-client.js';
export { ConformanceSetupError, testServer } from './test-server.js';
export type { TestServerOptions } from './test-server.js';
export { caseOutcome } from './types.js';
export type { CaseResult, CaseSpec, CloseVerdict, ClosingFacts, Mode, Verdict } from './types.js';
export { judgeBehavior, judgeCase, judgeClose } from './verdict.js';
