/**
 * One virtual user: the module a VU's worker thread runs. A worker per VU is
 * the isolation: its own globals, module instances, event loop and timers,
 * so nothing one VU's script does is visible to another's.
 *
 * Here, before the script loads: the k6 globals (`__VU`, `__ITER`, `__ENV`),
 * the tracked timers, `console` (lines go to the main thread), `WebSocket`
 * (rfc6455's, measured), the k6 module mapping, and the byte ledger. Then the
 * script is imported once (k6's "init context") and its default function is
 * called once per iteration the main thread grants. An iteration ends when
 * the default function has returned (or its promise settled) and the VU has
 * no open WebSocket and no pending timer.
 *
 * Script errors — a load failure, an exception in the default function, a
 * listener or timer callback that throws, a rejected promise — are reported
 * with the script's file and line and counted; an exception during an
 * iteration ends that iteration (its timers are cleared, its sockets closed
 * with 1001), and the VU goes on with the next.
 */
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { formatWithOptions } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { registerK6Modules } from './k6-modules.js';
import { WebSocket } from './k6/websockets.js';
import type { FromVu, LogLevel, ToVu, VuWorkerData } from './protocol.js';
import { describeScriptError } from './script-errors.js';
import { createScriptTimers, realTimers } from './timers.js';
import { RUNNER_EXT } from './typescript.js';
import { vuContext } from './vu-context.js';

const data = workerData as VuWorkerData;
const port = parentPort!;
const post = (message: FromVu): void => port.postMessage(message);
const context = vuContext();
const timers = createScriptTimers(context);
const scriptPath = fileURLToPath(data.scriptUrl);

let defaultFunction: (() => unknown) | null = null;
let iteration = -1;
let running = false;
let interrupted = false;
let stopping = false;
let finished = false;
let onIdle: (() => void) | null = null;
let idleCheckQueued = false;
let abortDeadline: NodeJS.Timeout | null = null;
let flushTimer: NodeJS.Timeout | null = null;

/** A console whose lines go to the main thread with k6's levels. */
function scriptConsole(): Console {
  const stream = (level: LogLevel) => new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      post({ type: 'log', level, text: String(chunk).replace(/\n$/, '') });
      callback();
    },
  });
  const console = new Console({ stdout: stream('info'), stderr: stream('error') });
  const at = (level: LogLevel) => (...args: unknown[]) => post({ type: 'log', level, text: formatWithOptions({ colors: false }, ...args) });
  return Object.assign(console, { log: at('info'), info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') });
}

function installGlobals(): void {
  const define = (name: string, value: unknown) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  define('__VU', data.vu);
  Object.defineProperty(globalThis, '__ITER', { get: () => Math.max(iteration, 0), configurable: true, enumerable: false });
  define('__ENV', { ...data.env });
  define('setTimeout', timers.setTimeout);
  define('clearTimeout', timers.clearTimeout);
  define('setInterval', timers.setInterval);
  define('clearInterval', timers.clearInterval);
  define('console', scriptConsole());
  define('WebSocket', WebSocket);
}

function flush(): void {
  const batch = context.metrics.drain();
  if (batch !== null) post({ type: 'metrics', batch });
}

/** Resolve the current iteration's wait once nothing keeps it alive (checked after pending callbacks ran). */
function queueIdleCheck(): void {
  if (idleCheckQueued) return;
  idleCheckQueued = true;
  realTimers.setImmediate(() => {
    idleCheckQueued = false;
    if (onIdle === null || !context.idle) return;
    const resolve = onIdle;
    onIdle = null;
    resolve();
  });
}

/** Clear the iteration's timers and close its sockets (1001); drop them if they take longer than the close grace. */
function abortIteration(reason: string): void {
  timers.clearAll();
  for (const socket of context.sockets) socket.goAway(reason);
  if (abortDeadline !== null || context.sockets.size === 0) return;
  abortDeadline = realTimers.setTimeout(() => {
    abortDeadline = null;
    timers.clearAll();
    for (const socket of context.sockets) socket.terminate();
  }, data.closeGraceMs);
}

function reportError(error: unknown, phase: 'iteration' | 'callback'): void {
  post({ type: 'script-error', error: describeScriptError(error, scriptPath, phase), iteration: Math.max(iteration, 0) });
  if (running) abortIteration('script error');
}

async function runIteration(): Promise<void> {
  iteration += 1;
  running = true;
  interrupted = false;
  const startedAt = performance.now();
  try {
    const result = defaultFunction!();
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') await result;
  } catch (error) {
    reportError(error, 'iteration');
  }
  await new Promise<void>((resolve) => {
    onIdle = resolve;
    queueIdleCheck();
  });
  if (abortDeadline !== null) realTimers.clearTimeout(abortDeadline);
  abortDeadline = null;
  running = false;
  const durationMs = performance.now() - startedAt;
  if (!interrupted) {
    context.metrics.add('iterations');
    context.metrics.sample('iteration_duration', durationMs);
  }
  flush();
  post({ type: 'iteration-done', durationMs, interrupted });
  if (stopping) finish();
}

/** Flush everything (sockets still open are counted at their current totals) and tell the main thread. */
function finish(): void {
  if (finished) return;
  finished = true;
  if (flushTimer !== null) realTimers.clearInterval(flushTimer);
  timers.clearAll();
  for (const socket of context.sockets) socket.terminate();
  context.ledger.settleAll();
  flush();
  post({ type: 'finished' });
}

port.on('message', (message: ToVu) => {
  switch (message.type) {
    case 'iterate':
      if (!running && !stopping) void runIteration();
      break;
    case 'stop':
      stopping = true;
      if (!running) finish();
      break;
    case 'interrupt':
      stopping = true;
      if (!running) {
        finish();
      } else {
        interrupted = true;
        abortIteration('test stopped');
      }
      break;
  }
});

process.on('uncaughtException', (error) => reportError(error, 'callback'));
process.on('unhandledRejection', (reason) => reportError(reason, 'callback'));

context.onActivity = queueIdleCheck;
context.ledger.watchClientSockets();
installGlobals();
registerK6Modules(RUNNER_EXT);
try {
  const module = await import(data.scriptUrl) as { default?: unknown };
  if (typeof module.default === 'function') {
    defaultFunction = module.default as () => unknown;
    flushTimer = realTimers.setInterval(flush, data.flushIntervalMs);
    post({ type: 'ready' });
  } else {
    const message = 'TypeError: the script must export a default function (export default function () { … })';
    post({ type: 'init-failed', error: { message, location: data.scriptLabel, phase: 'init' } });
  }
} catch (error) {
  post({ type: 'init-failed', error: describeScriptError(error, scriptPath, 'init') });
}
