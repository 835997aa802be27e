/**
 * Child processes of the benchmarks (parent side): start a bench script in
 * its own Node process, optionally pinned to one core with `taskset -c N`,
 * talk to it over the IPC channel (request → reply, each with a deadline),
 * and make sure it dies: every child is killed when the parent exits, fails
 * or is interrupted, and each child exits by itself when the parent's IPC
 * channel closes (see ipc-child.ts). Nothing here waits without a deadline.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const live = new Set<ChildProcess>();
let hooksInstalled = false;

function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    killAll();
    console.error(error);
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    killAll();
    console.error(error);
    process.exit(1);
  });
}

let tasksetWorks: boolean | undefined;
/** Whether `taskset -c 0` works here (checked once). */
export function canPin(): boolean {
  tasksetWorks ??= spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;
  return tasksetWorks;
}

/** The shell's `ulimit -n` as children inherit it, or Infinity when unknown/unlimited. */
export function fdLimit(): number {
  const out = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  const n = Number(out);
  return Number.isFinite(n) && n > 0 ? n : Infinity;
}

export interface ChildOptions {
  /** Pin to this core with taskset (ignored when taskset is unavailable). */
  readonly core?: number;
  /** Node flags before the script (tsx is always added). */
  readonly nodeFlags?: readonly string[];
  /** Deadline for the child's first `ready` message, ms. Default 30 s. */
  readonly readyTimeoutMs?: number;
}

interface Reply { readonly id?: number; readonly type: string; readonly error?: string; readonly [key: string]: unknown }

/** A running child with a request/reply channel. */
export class Child {
  readonly #process: ChildProcess;
  readonly #pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  #nextId = 1;
  #exited: Promise<void>;
  /** The child's `ready` message (its port, and so on). */
  ready: Promise<Reply>;

  constructor(readonly label: string, script: URL, args: readonly string[], options: ChildOptions = {}) {
    installHooks();
    const node = [process.execPath, ...(options.nodeFlags ?? []), '--import', 'tsx', fileURLToPath(script), ...args];
    const [command, ...argv] = options.core !== undefined && canPin() ? ['taskset', '-c', String(options.core), ...node] : node;
    this.#process = spawn(command!, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    live.add(this.#process);
    this.#exited = new Promise((resolve) => {
      this.#process.once('exit', (code, signal) => {
        live.delete(this.#process);
        for (const { reject, timer } of this.#pending.values()) {
          clearTimeout(timer);
          reject(new Error(`${label} exited (${code ?? signal}) before replying`));
        }
        this.#pending.clear();
        resolve();
      });
    });
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label} not ready within ${options.readyTimeoutMs ?? 30_000} ms`)), options.readyTimeoutMs ?? 30_000);
      this.#process.once('error', (error) => { clearTimeout(timer); reject(error); });
      this.#process.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`${label} exited (${code ?? signal}) before ready`)); });
      this.#process.on('message', (message: Reply) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message);
          return;
        }
        const pending = message.id === undefined ? undefined : this.#pending.get(message.id);
        if (pending === undefined) return;
        this.#pending.delete(message.id!);
        clearTimeout(pending.timer);
        if (message.type === 'error') pending.reject(new Error(`${label}: ${message.error}`));
        else pending.resolve(message);
      });
    });
    this.ready.catch(() => {}); // observed by the caller; do not count as unhandled here
  }

  /** Send a request and wait (at most `timeoutMs`) for the reply with the same id. */
  request<T = Reply>(message: Record<string, unknown>, timeoutMs: number): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.label}: no reply to ${String(message['type'])} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (r: Reply) => void, reject, timer });
      this.#process.send({ ...message, id });
    });
  }

  /** Ask the child to exit; SIGKILL it if it has not within `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.#process.exitCode !== null || this.#process.signalCode !== null) return;
    if (this.#process.connected) this.#process.disconnect(); // the child exits when its channel closes
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}

/** Stop every child given (in parallel). */
export async function stopAll(children: readonly Child[]): Promise<void> {
  await Promise.all(children.map((c) => c.stop()));
}

/** Pin this process (all its threads) to `core` with `taskset -a -cp`; false when that is not possible. */
export function pinSelf(core: number): boolean {
  if (!canPin()) return false;
  return spawnSync('taskset', ['-a', '-cp', String(core), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** Exit within `ms` even if a socket or timer somewhere still holds the event loop (the parts end by themselves). */
export function exitSoon(ms = 5000): void {
  setTimeout(() => process.exit(process.exitCode ?? 0), ms).unref();
}
