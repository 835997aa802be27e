/**
 * The timers a VU's script sees: Node's own, wrapped so the VU knows which
 * are pending. An iteration ends when its VU has no open socket and no
 * pending timer; a graceful stop clears what is left.
 *
 * They replace the thread's globals, so the library's internal timers
 * (handshake, close and heartbeat timeouts) are tracked too. That is
 * harmless: the library clears each of them by the time its connection
 * closes, and an open connection keeps the iteration alive anyway.
 */
import type { VuContext } from './vu-context.js';

/** The thread's timers before any replacement (the harness uses these for its own work). */
export const realTimers = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
} as const;

type Callback = (...args: unknown[]) => void;

/** The four timer functions of a VU, bound to its context. */
export interface ScriptTimers {
  setTimeout(callback: Callback, delay?: number, ...args: unknown[]): NodeJS.Timeout;
  clearTimeout(handle: unknown): void;
  setInterval(callback: Callback, delay?: number, ...args: unknown[]): NodeJS.Timeout;
  clearInterval(handle: unknown): void;
  /** Cancel every pending timer (graceful stop, aborted iteration). */
  clearAll(): void;
}

export function createScriptTimers(context: VuContext): ScriptTimers {
  const find = (handle: unknown): NodeJS.Timeout | undefined => {
    if (context.timers.has(handle as NodeJS.Timeout)) return handle as NodeJS.Timeout;
    // Node timers also convert to a numeric id (k6 scripts may keep numbers).
    if (typeof handle === 'number' || typeof handle === 'string') {
      for (const timer of context.timers) if (Number(timer) === Number(handle)) return timer;
    }
    return undefined;
  };
  const check = (callback: unknown, name: string): Callback => {
    if (typeof callback !== 'function') throw new TypeError(`${name}: the callback must be a function`);
    return callback as Callback;
  };
  const clear = (handle: unknown): void => {
    const timer = find(handle);
    if (timer === undefined) return;
    context.timers.delete(timer);
    realTimers.clearTimeout(timer);
    context.onActivity();
  };
  return {
    setTimeout(callback, delay, ...args) {
      const run = check(callback, 'setTimeout');
      const timer: NodeJS.Timeout = realTimers.setTimeout(() => {
        context.timers.delete(timer);
        context.onActivity(); // deferred: whatever the callback starts is registered first
        run(...args);
      }, delay);
      context.timers.add(timer);
      return timer;
    },
    clearTimeout: clear,
    setInterval(callback, delay, ...args) {
      const run = check(callback, 'setInterval');
      const timer = realTimers.setInterval(() => run(...args), delay);
      context.timers.add(timer);
      return timer;
    },
    clearInterval: clear,
    clearAll() {
      for (const timer of context.timers) realTimers.clearTimeout(timer);
      context.timers.clear();
      context.onActivity();
    },
  };
}
