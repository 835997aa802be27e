/**
 * The state of the virtual user running in this thread: its metric buffer,
 * its byte ledger, and what keeps its current iteration alive (open
 * WebSockets and pending timers). The harness (vu.ts), the instrumented
 * WebSocket (k6/websockets.ts) and the timers (timers.ts) meet here.
 *
 * The context lives on `globalThis` under a registered symbol rather than in
 * a module variable, so that every copy of these modules a script might load
 * (through a mapped specifier or a relative path) reports to the same VU.
 */
import { ByteLedger } from './byte-ledger.js';
import { MetricsBuffer } from './metrics.js';

/** A WebSocket as the VU needs to see it: enough to wind it down. */
export interface TrackedSocket {
  readonly readyState: number;
  /** Start the closing handshake (1001 Going Away) or abort the opening one. */
  goAway(reason: string): void;
  /** Drop the connection at once. */
  terminate(): void;
}

export class VuContext {
  readonly metrics = new MetricsBuffer();
  readonly ledger = new ByteLedger(this.metrics);
  /** WebSockets created by the script that have not fired `close` yet. */
  readonly sockets = new Set<TrackedSocket>();
  /** Script timers (timeouts not yet fired, intervals not yet cleared). */
  readonly timers = new Set<NodeJS.Timeout>();
  /** Called whenever a socket closes or a timer fires or is cleared; set by the harness. */
  onActivity: () => void = () => {};

  /** True when nothing keeps the iteration alive. */
  get idle(): boolean {
    return this.sockets.size === 0 && this.timers.size === 0;
  }
}

const KEY = Symbol.for('rfc6455.runner.vu-context');

/** This thread's VU context (created on first use, so the modules also work outside a run). */
export function vuContext(): VuContext {
  const holder = globalThis as { [KEY]?: VuContext };
  return (holder[KEY] ??= new VuContext());
}
