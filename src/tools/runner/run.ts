/**
 * A test run, on the main thread: start one worker thread per VU (see vu.ts),
 * wait until every VU has loaded the script, then hand out iterations and
 * stop on time, merging the VUs' metrics into the summary.
 *
 * Scheduling follows k6's two simplest executors:
 * - `durationMs` (constant VUs): each VU loops until the duration is over;
 * - `iterations` (shared iterations): the VUs share that many iterations in
 *   total, bounded by `maxDurationMs` (or by `durationMs` when both are given);
 * - neither: one iteration per VU, bounded by `maxDurationMs`.
 *
 * Stopping is bounded in three steps. When the time is up no iteration
 * starts; those running may finish within `gracefulStopMs`. Then the VUs
 * still running are interrupted: their timers are cleared and their sockets
 * closed with 1001, dropped if the closing handshake takes more than
 * `closeGraceMs`. A VU still alive after that (a script stuck in a loop) is
 * terminated. Every worker is terminated once it has reported, so the
 * process exits by itself.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ConsoleOutput, formatLogLine, type ProgressMode, type RunOutput } from './console-output.js';
import { formatDuration, formatElapsed } from './duration.js';
import { MetricsStore } from './metrics.js';
import type { FromVu, ScriptErrorInfo, ToVu, VuWorkerData } from './protocol.js';
import { scriptIdentity } from './script-errors.js';
import type { RunSummary } from './summary.js';
import { findTsxApi, isTypeScript, RUNNER_EXT, TypeScriptUnavailableError } from './typescript.js';

/** What to run and how. */
export interface RunOptions {
  /** The script's path (relative to the working directory or absolute). */
  readonly script: string;
  /** Virtual users. Default 1. */
  readonly vus?: number;
  /** Iterations shared by all VUs. Default: one per VU when no duration is given. */
  readonly iterations?: number;
  /** Run for this long (each VU loops). */
  readonly durationMs?: number;
  /** How long running iterations may go on after the time is up. Default 30 s (k6's). */
  readonly gracefulStopMs?: number;
  /** How long interrupted sockets get for their closing handshake. Default 2 s. */
  readonly closeGraceMs?: number;
  /** The bound for runs without a duration. Default 10 min (k6's maxDuration). */
  readonly maxDurationMs?: number;
  /** How long the VUs get to load the script. Default 60 s. */
  readonly initTimeoutMs?: number;
  /** The script's `__ENV`. */
  readonly env?: Readonly<Record<string, string>>;
  readonly output: RunOutput;
  /** Default 'auto': a live line on a terminal, plain lines otherwise. */
  readonly progress?: ProgressMode;
  /** Interval of plain progress lines. Default 2 s. */
  readonly progressIntervalMs?: number;
}

export interface RunResult {
  readonly summary: RunSummary;
  /** 0, or 1 when some VU could not load the script (or died). Errors inside iterations do not fail a run, as in k6. */
  readonly exitCode: 0 | 1;
  /** Script errors reported (loading, iterations and callbacks). */
  readonly scriptErrors: number;
  /** VUs that could not load the script or died. */
  readonly failedVus: number;
}

/** A run that cannot start (no script, no tsx for a .ts script, bad options). */
export class RunSetupError extends Error {
  override readonly name = 'RunSetupError';
}

export const RUN_DEFAULTS = {
  vus: 1,
  gracefulStopMs: 30_000,
  closeGraceMs: 2_000,
  maxDurationMs: 600_000,
  initTimeoutMs: 60_000,
  progressIntervalMs: 2_000,
  flushIntervalMs: 250,
} as const;

/** After the close grace, how long an interrupted VU gets to report before its worker is terminated. */
const HARD_STOP_MARGIN_MS = 1_000;

/** Runs in each worker first: bring in tsx when TypeScript is needed, then the harness. */
const BOOTSTRAP = new URL(`data:text/javascript,${encodeURIComponent(`
import { workerData } from 'node:worker_threads';
if (workerData.tsxApiUrl !== null) (await import(workerData.tsxApiUrl)).register();
await import(workerData.harnessUrl);
`)}`);

type VuState = 'loading' | 'ready' | 'running' | 'interrupting' | 'stopping' | 'finished' | 'failed';

interface Vu {
  readonly id: number;
  readonly worker: Worker;
  state: VuState;
  /** Iterations granted to this VU. */
  iterations: number;
  readonly exited: Promise<void>;
}

/** A started run: its result, and a way to stop it early (first call graceful, second immediate). */
export interface RunHandle {
  readonly result: Promise<RunResult>;
  stop(): void;
}

/** Start a run. Setup problems reject `result` with a {@link RunSetupError}. */
export function startRun(options: RunOptions): RunHandle {
  const run = new TestRun(options);
  return { result: run.execute(), stop: () => run.stop() };
}

class TestRun {
  readonly #options: RunOptions;
  readonly #vuCount: number;
  readonly #gracefulStopMs: number;
  readonly #closeGraceMs: number;
  readonly #store = new MetricsStore();
  readonly #vus: Vu[] = [];
  readonly #console: ConsoleOutput;
  readonly #initErrors = new Map<string, number>();
  #startedAt: number | null = null;
  #endedAt: number | null = null;
  #granted = 0;
  #complete = 0;
  #interrupted = 0;
  #scriptErrors = 0;
  #failedVus = 0;
  #stopping = false;
  #interrupting = false;
  #stopRequests = 0;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: RunOptions) {
    this.#options = options;
    this.#vuCount = options.vus ?? RUN_DEFAULTS.vus;
    this.#gracefulStopMs = options.gracefulStopMs ?? RUN_DEFAULTS.gracefulStopMs;
    this.#closeGraceMs = options.closeGraceMs ?? RUN_DEFAULTS.closeGraceMs;
    this.#console = new ConsoleOutput(options.output, options.progress ?? 'auto',
      options.progressIntervalMs ?? RUN_DEFAULTS.progressIntervalMs, () => this.#progressText());
  }

  async execute(): Promise<RunResult> {
    const options = this.#options;
    const scriptPath = resolve(options.script);
    if (!existsSync(scriptPath) || !statSync(scriptPath).isFile()) throw new RunSetupError(`script not found: ${options.script}`);
    if (!Number.isInteger(this.#vuCount) || this.#vuCount < 1) throw new RunSetupError('vus must be a positive integer');
    if (options.iterations !== undefined && (!Number.isInteger(options.iterations) || options.iterations < 1)) {
      throw new RunSetupError('iterations must be a positive integer');
    }
    if (options.durationMs !== undefined && !(options.durationMs > 0)) throw new RunSetupError('duration must be positive');
    const needsTsx = RUNNER_EXT === '.ts' || isTypeScript(scriptPath);
    const tsxApiUrl = needsTsx ? findTsxApi(scriptPath) : null;
    if (needsTsx && tsxApiUrl === null) throw new RunSetupError(new TypeScriptUnavailableError(options.script).message);
    const script = scriptIdentity(scriptPath);

    this.#console.line(`  script: ${script.label}`);
    this.#console.line(`scenario: ${this.#describeScenario()}`);
    this.#store.gauge('vus_max', this.#vuCount);
    const workerData: Omit<VuWorkerData, 'vu'> = {
      scriptUrl: script.url,
      scriptLabel: script.label,
      env: options.env ?? {},
      closeGraceMs: this.#closeGraceMs,
      flushIntervalMs: RUN_DEFAULTS.flushIntervalMs,
      harnessUrl: new URL(`./vu${RUNNER_EXT}`, import.meta.url).href,
      tsxApiUrl,
    };
    const loaded = Array.from({ length: this.#vuCount }, (_, i) => this.#spawn(i + 1, workerData));
    const initTimer = this.#after(options.initTimeoutMs ?? RUN_DEFAULTS.initTimeoutMs, () => {
      for (const vu of this.#vus) {
        if (vu.state !== 'loading') continue;
        this.#log('error', `VU ${vu.id} did not load the script within ${formatDuration(options.initTimeoutMs ?? RUN_DEFAULTS.initTimeoutMs)}`, `vu=${vu.id} source=init`);
        this.#fail(vu);
      }
    });
    await Promise.all(loaded);
    this.#cancel(initTimer);

    // Every VU is loaded (or failed): the test starts now, for all of them at once.
    this.#startedAt = performance.now();
    this.#console.start();
    this.#after(options.durationMs ?? options.maxDurationMs ?? RUN_DEFAULTS.maxDurationMs, () => this.#beginStop());
    for (const vu of this.#vus) if (vu.state === 'ready') this.#grant(vu);
    await Promise.all(this.#vus.map((vu) => vu.exited));
    this.#endedAt = performance.now();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#console.stop();
    for (const [text, count] of this.#initErrors) {
      if (count > 1) this.#console.line(`${count} of ${this.#vuCount} VUs could not load the script: ${text}`);
    }
    return {
      summary: {
        durationMs: this.#endedAt - this.#startedAt,
        metrics: this.#store.snapshot(this.#endedAt - this.#startedAt),
        completeIterations: this.#complete,
        interruptedIterations: this.#interrupted,
      },
      exitCode: this.#failedVus > 0 ? 1 : 0,
      scriptErrors: this.#scriptErrors,
      failedVus: this.#failedVus,
    };
  }

  /** First call: stop starting iterations (graceful stop). Second call: interrupt now. */
  stop(): void {
    this.#stopRequests += 1;
    if (this.#stopRequests === 1) this.#beginStop();
    else this.#interruptAll();
  }

  #describeScenario(): string {
    const { durationMs, iterations } = this.#options;
    const vus = `${this.#vuCount} ${this.#vuCount === 1 ? 'VU' : 'VUs'}`;
    const graceful = `gracefulStop: ${formatDuration(this.#gracefulStopMs)}`;
    if (durationMs !== undefined && iterations === undefined) return `${vus} looping for ${formatDuration(durationMs)} (${graceful})`;
    const bound = `maxDuration: ${formatDuration(durationMs ?? this.#options.maxDurationMs ?? RUN_DEFAULTS.maxDurationMs)}`;
    if (iterations !== undefined) return `${iterations} iterations shared among ${vus} (${bound}, ${graceful})`;
    return `1 iteration for each of ${vus} (${bound}, ${graceful})`;
  }

  /** Start a VU's worker; resolves when it has loaded the script (or failed to). */
  #spawn(id: number, shared: Omit<VuWorkerData, 'vu'>): Promise<void> {
    const worker = new Worker(BOOTSTRAP, { workerData: { ...shared, vu: id } satisfies VuWorkerData, execArgv: [] });
    let loaded!: () => void;
    const ready = new Promise<void>((resolve) => { loaded = resolve; });
    const vu: Vu = {
      id,
      worker,
      state: 'loading',
      iterations: 0,
      exited: new Promise<void>((resolve) => worker.once('exit', () => resolve())),
    };
    this.#vus.push(vu);
    worker.on('message', (message: FromVu) => {
      this.#onMessage(vu, message);
      if (vu.state !== 'loading') loaded();
    });
    worker.on('error', (error) => {
      // Only failures outside the script's reach land here (the harness
      // reports script errors itself), e.g. tsx or the harness failing to load.
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.#log('error', `VU ${id} failed: ${text}`, `vu=${id} source=runner`);
      if (vu.state !== 'finished') this.#fail(vu);
    });
    worker.once('exit', () => {
      if (vu.state !== 'finished' && vu.state !== 'failed') this.#fail(vu);
      loaded();
    });
    return ready;
  }

  #onMessage(vu: Vu, message: FromVu): void {
    switch (message.type) {
      case 'ready':
        vu.state = 'ready';
        if (this.#startedAt !== null) this.#grant(vu);
        break;
      case 'init-failed':
        this.#reportError(vu, message.error, null);
        this.#fail(vu);
        break;
      case 'log':
        this.#log(message.level, message.text, 'source=console');
        break;
      case 'script-error':
        this.#reportError(vu, message.error, message.iteration);
        break;
      case 'metrics':
        this.#store.merge(message.batch);
        break;
      case 'iteration-done':
        if (message.interrupted) this.#interrupted += 1;
        else this.#complete += 1;
        if (vu.state === 'running') this.#grant(vu);
        break;
      case 'finished':
        vu.state = 'finished';
        void vu.worker.terminate();
        break;
    }
  }

  /** Give a VU its next iteration, or tell it to stop. */
  #grant(vu: Vu): void {
    const { iterations, durationMs } = this.#options;
    // Shared iterations; or looping for the duration; or (neither given) one per VU.
    const done = iterations !== undefined ? this.#granted >= iterations : durationMs === undefined && vu.iterations >= 1;
    if (this.#stopping || done) {
      vu.state = 'stopping';
      this.#send(vu, { type: 'stop' });
      return;
    }
    this.#granted += 1;
    vu.iterations += 1;
    vu.state = 'running';
    this.#send(vu, { type: 'iterate' });
  }

  /** The time is up: no new iterations; running ones get the graceful stop period. */
  #beginStop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const vu of this.#vus) if (vu.state === 'ready') this.#grant(vu);
    this.#after(this.#gracefulStopMs, () => this.#interruptAll());
  }

  /** The graceful stop is over: interrupt the VUs still running; terminate any that do not finish. */
  #interruptAll(): void {
    this.#beginStop();
    if (this.#interrupting) return;
    this.#interrupting = true;
    for (const vu of this.#vus) {
      if (vu.state !== 'running') continue;
      vu.state = 'interrupting';
      this.#send(vu, { type: 'interrupt' });
    }
    this.#after(this.#closeGraceMs + HARD_STOP_MARGIN_MS, () => {
      for (const vu of this.#vus) {
        if (vu.state === 'finished' || vu.state === 'failed') continue;
        this.#log('warn', `VU ${vu.id} did not stop in time; terminated`, `vu=${vu.id} source=runner`);
        this.#interrupted += vu.state === 'interrupting' ? 1 : 0;
        vu.state = 'finished';
        void vu.worker.terminate();
      }
    });
  }

  /** A VU that cannot go on (failed to load, crashed): its worker is terminated. */
  #fail(vu: Vu): void {
    if (vu.state === 'failed' || vu.state === 'finished') return;
    vu.state = 'failed';
    this.#failedVus += 1;
    void vu.worker.terminate();
  }

  #send(vu: Vu, message: ToVu): void {
    vu.worker.postMessage(message);
  }

  #reportError(vu: Vu, error: ScriptErrorInfo, iteration: number | null): void {
    this.#scriptErrors += 1;
    this.#store.merge({ counters: { script_errors: 1 }, trends: {} });
    const text = `${error.location === null ? '' : `${error.location}: `}${error.message}`;
    if (error.phase === 'init') {
      // Every VU loads the same script: print each distinct load error once.
      const seen = this.#initErrors.get(text) ?? 0;
      this.#initErrors.set(text, seen + 1);
      if (seen > 0) return;
    }
    const fields = iteration === null ? `vu=${vu.id} source=init` : `vu=${vu.id} iter=${iteration} source=stacktrace`;
    this.#log('error', text, fields);
  }

  #log(level: 'debug' | 'info' | 'warn' | 'error', text: string, fields: string): void {
    const elapsed = this.#startedAt === null ? 0 : performance.now() - this.#startedAt;
    this.#console.line(formatLogLine(level, elapsed, text, fields));
  }

  #progressText(): string {
    const elapsed = this.#startedAt === null ? 0 : (this.#endedAt ?? performance.now()) - this.#startedAt;
    const active = this.#vus.filter((vu) => vu.state === 'running' || vu.state === 'interrupting' || vu.state === 'ready').length;
    const store = this.#store;
    return `running (${formatElapsed(elapsed)}), ${active}/${this.#vuCount} VUs, ` +
      `${this.#complete} complete and ${this.#interrupted} interrupted iterations | ` +
      `ws: ${store.count('ws_sessions')} sessions, ${store.count('ws_msgs_sent')} msgs sent, ${store.count('ws_msgs_received')} received`;
  }

  #after(ms: number, action: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      action();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  #cancel(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.#timers.delete(timer);
  }
}
