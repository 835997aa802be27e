/**
 * `k6/timers` for scripts run by `rfc6455 run`: the VU's timers (the same
 * functions as the globals the runner installs, looked up at call time).
 */
type Callback = (...args: unknown[]) => void;

export function setTimeout(callback: Callback, delay?: number, ...args: unknown[]): NodeJS.Timeout {
  return globalThis.setTimeout(callback, delay, ...args);
}

export function clearTimeout(handle: NodeJS.Timeout | string | number | undefined): void {
  globalThis.clearTimeout(handle);
}

export function setInterval(callback: Callback, delay?: number, ...args: unknown[]): NodeJS.Timeout {
  return globalThis.setInterval(callback, delay, ...args);
}

export function clearInterval(handle: NodeJS.Timeout | string | number | undefined): void {
  globalThis.clearInterval(handle);
}
