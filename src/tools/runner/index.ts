/**
 * The k6-style load runner behind `rfc6455 run`: virtual users in worker
 * threads playing a script with rfc6455's WebSocket, and k6's WebSocket
 * metrics at the end. See run.ts for scheduling and stopping, vu.ts for what
 * a VU provides, and k6/websockets.ts for what each metric measures.
 */
export { runRunCommand, RUN_USAGE } from './command.js';
export type { RunCommandIo } from './command.js';
export type { ProgressMode, RunOutput } from './console-output.js';
export { parseDuration } from './duration.js';
export { METRICS, percentile, trendStats } from './metrics.js';
export type { MetricName, MetricValue, TrendStats } from './metrics.js';
export { RUN_DEFAULTS, RunSetupError, startRun } from './run.js';
export type { RunHandle, RunOptions, RunResult } from './run.js';
export type { EmbeddedService } from './service.js';
export { formatSummary, summaryToJson } from './summary.js';
export type { RunSummary } from './summary.js';
