/**
 * The messages between the runner (main thread) and one virtual user (its
 * worker thread). The main thread decides when iterations start and when the
 * test stops; the VU reports readiness, iteration ends, logs, script errors
 * and metric batches.
 */
import type { MetricsBatch } from './metrics.js';

/** Where a script error was, and what it said. */
export interface ScriptErrorInfo {
  /** `Name: message`, first line only. */
  readonly message: string;
  /** `file:line:column` (file relative to the working directory when under it), when known. */
  readonly location: string | null;
  /** What was running: loading the script, the default function, or a callback (event listener, timer). */
  readonly phase: 'init' | 'iteration' | 'callback';
}

/** What a VU's worker receives in `workerData`. */
export interface VuWorkerData {
  readonly vu: number;
  /** The script's file URL. */
  readonly scriptUrl: string;
  /** The script's path as shown in messages. */
  readonly scriptLabel: string;
  readonly env: Readonly<Record<string, string>>;
  /** Milliseconds an interrupted VU waits for its sockets' closing handshakes before dropping them. */
  readonly closeGraceMs: number;
  /** How often metric batches are posted, in milliseconds. */
  readonly flushIntervalMs: number;
  /** The harness module's URL (vu.js, or vu.ts when running from source). */
  readonly harnessUrl: string;
  /** tsx's `tsx/esm/api` module URL, when TypeScript must be loaded; null otherwise. */
  readonly tsxApiUrl: string | null;
}

/** Main thread → VU. */
export type ToVu =
  /** Run one more iteration. */
  | { readonly type: 'iterate' }
  /** No more iterations: flush and finish. */
  | { readonly type: 'stop' }
  /** The graceful stop is over: abort the running iteration, close its sockets, finish. */
  | { readonly type: 'interrupt' };

/** VU → main thread. */
export type FromVu =
  | { readonly type: 'ready' }
  | { readonly type: 'init-failed'; readonly error: ScriptErrorInfo }
  | { readonly type: 'iteration-done'; readonly durationMs: number; readonly interrupted: boolean }
  | { readonly type: 'log'; readonly level: LogLevel; readonly text: string }
  | { readonly type: 'script-error'; readonly error: ScriptErrorInfo; readonly iteration: number }
  | { readonly type: 'metrics'; readonly batch: MetricsBatch }
  | { readonly type: 'finished' };

/** k6's log levels, as the console methods map to them. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
