/**
 * Connection churn: open and close connections in a loop — client and server
 * in this process — and check that nothing accumulates: open file
 * descriptors, heap after a full GC, active handles, the servers' client
 * sets. Connections end every way they can: a clean close from either side,
 * terminate() from either side, and close() while still connecting.
 *
 *   npm run churn -- [--connections 50000] [--concurrency 100] [--servers 4] [--seed S]
 *
 * (`npm run churn` is `node --expose-gc --import tsx test/soak/churn.ts`.)
 * The servers listen on 127.0.0.1 … 127.0.0.N so that 50,000 connections do
 * not run one address pair out of ephemeral ports. Prints the before/after
 * figures and exits 1 if fds or heap grew beyond the bounds.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type CloseEvent, WebSocket, WebSocketServer } from '../../src/index.js';
import { prng } from '../support/frame-events.js';
import { int } from '../support/traffic.js';
import { peakRssMiB } from './soak.js';

export interface ChurnOptions {
  readonly connections: number;
  /** Connections in progress at once. */
  readonly concurrency: number;
  /** Servers, on 127.0.0.1 … 127.0.0.N. */
  readonly servers: number;
  readonly seed: number;
  /** Connections run before the baseline is taken (JIT, pools, lazily created state). */
  readonly warmup?: number;
  readonly log?: (line: string) => void;
}

export interface ChurnSnapshot {
  readonly fds: number;
  readonly heapMiB: number;
  readonly rssMiB: number;
  readonly handles: Readonly<Record<string, number>>;
}

export interface ChurnReport {
  readonly connections: number;
  readonly durationMs: number;
  readonly connectionsPerSecond: number;
  readonly before: ChurnSnapshot;
  readonly after: ChurnSnapshot;
  readonly peakRssMiB: number;
  /** Connections still in the servers' `clients` sets at the end (must be 0). */
  readonly serverClientsLeft: number;
  /** Server-side connections that emitted `connection` but never `close`. */
  readonly serverOpenLeft: number;
  /** How the connections ended, by style. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly errors: readonly string[];
}

type Style = 'client-close' | 'server-close' | 'client-terminate' | 'server-terminate' | 'close-while-connecting';
const STYLES: readonly Style[] = ['client-close', 'client-close', 'server-close', 'client-terminate', 'server-terminate', 'close-while-connecting'];

const MiB = 1024 * 1024;

function snapshot(): ChurnSnapshot {
  globalThis.gc?.();
  globalThis.gc?.();
  const handles: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) handles[type] = (handles[type] ?? 0) + 1;
  return {
    fds: readdirSync('/proc/self/fd').length,
    heapMiB: process.memoryUsage().heapUsed / MiB,
    rssMiB: process.memoryUsage.rss() / MiB,
    handles,
  };
}

/** One connection in `style`; resolves with a problem description, or null when it ended as it must. */
function connectOnce(url: string, style: Style): Promise<string | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const events: string[] = [];
    ws.addEventListener('open', () => {
      events.push('open');
      if (style === 'client-close') ws.send('echo');
      else if (style === 'server-close') ws.send('close');
      else if (style === 'server-terminate') ws.send('terminate');
      else if (style === 'client-terminate') ws.terminate();
    });
    ws.addEventListener('message', () => {
      events.push('message');
      if (style === 'client-close') ws.close(1000);
    });
    ws.addEventListener('error', () => events.push('error'));
    ws.addEventListener('close', (event) => {
      const close = event as CloseEvent;
      events.push(`close ${close.code} ${close.wasClean}`);
      const expected: Record<Style, string> = {
        'client-close': 'open,message,close 1000 true',
        'server-close': 'open,close 4000 true',
        'client-terminate': 'open,error,close 1006 false',
        'server-terminate': 'open,error,close 1006 false',
        'close-while-connecting': 'error,close 1006 false',
      };
      const seen = events.join(',');
      resolve(seen === expected[style] ? null : `${style}: saw ${seen}, expected ${expected[style]}`);
    });
    if (style === 'close-while-connecting') ws.close();
  });
}

export async function runChurn(options: ChurnOptions): Promise<ChurnReport> {
  const log = options.log ?? (() => {});
  const random = prng(options.seed);
  const servers: WebSocketServer[] = [];
  const urls: string[] = [];
  let serverOpen = 0;
  for (let i = 0; i < options.servers; i++) {
    const wss = new WebSocketServer({ port: 0, host: `127.0.0.${1 + i}`, closeTimeout: 5000 });
    wss.on('connection', (ws) => {
      serverOpen++;
      ws.addEventListener('close', () => serverOpen--);
      ws.addEventListener('message', (event) => {
        const data = (event as MessageEvent).data as string;
        if (data === 'close') ws.close(4000, 'bye');
        else if (data === 'terminate') ws.terminate();
        else ws.send(data);
      });
    });
    const { port } = await wss.listen();
    servers.push(wss);
    urls.push(`ws://127.0.0.${1 + i}:${port}/churn`);
  }
  const errors: string[] = [];
  const outcomes: Record<string, number> = {};
  let peakRss = process.memoryUsage.rss();

  const run = async (count: number, record: boolean) => {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const index = next++;
        const style = STYLES[int(random, STYLES.length)]!;
        const problem = await connectOnce(urls[index % urls.length]!, style);
        if (!record) continue;
        outcomes[style] = (outcomes[style] ?? 0) + 1;
        if (problem !== null && errors.length < 20) errors.push(`connection ${index}: ${problem}`);
        if (index % 1000 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
        if (index > 0 && index % 10_000 === 0) log(`${index} connections`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, count) }, worker));
  };

  /** Wait (bounded) until the servers' side of every connection has closed and fds settle. */
  const settle = async (fdsAtMost?: number) => {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const clientsLeft = servers.reduce((sum, wss) => sum + wss.clients.size, 0);
      const fdsOk = fdsAtMost === undefined || readdirSync('/proc/self/fd').length <= fdsAtMost;
      if (clientsLeft === 0 && serverOpen === 0 && fdsOk) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  await run(options.warmup ?? 200, false);
  await settle();
  const before = snapshot();
  const started = performance.now();
  await run(options.connections, true);
  const durationMs = performance.now() - started;
  await settle(before.fds);
  const after = snapshot();
  const serverClientsLeft = servers.reduce((sum, wss) => sum + wss.clients.size, 0);
  const serverOpenLeft = serverOpen;
  for (const wss of servers) await wss.close();
  return {
    connections: options.connections,
    durationMs,
    connectionsPerSecond: options.connections / (durationMs / 1000),
    before,
    after,
    peakRssMiB: Math.max(Math.round(peakRss / MiB), peakRssMiB()),
    serverClientsLeft,
    serverOpenLeft,
    outcomes,
    errors,
  };
}

export function formatChurnReport(report: ChurnReport): string {
  const handles = (s: ChurnSnapshot) => Object.entries(s.handles).map(([type, n]) => `${type} ${n}`).join(', ');
  return [
    `churn: ${report.connections} connections in ${(report.durationMs / 1000).toFixed(1)} s (${report.connectionsPerSecond.toFixed(0)}/s): ` +
      Object.entries(report.outcomes).map(([style, n]) => `${style} ${n}`).join(', '),
    `  open fds: ${report.before.fds} before, ${report.after.fds} after`,
    `  heap after GC: ${report.before.heapMiB.toFixed(1)} MiB before, ${report.after.heapMiB.toFixed(1)} MiB after (${(report.after.heapMiB - report.before.heapMiB).toFixed(1)} MiB)`,
    `  RSS: ${report.before.rssMiB.toFixed(0)} MiB before, ${report.after.rssMiB.toFixed(0)} MiB after, peak ${report.peakRssMiB} MiB`,
    `  active handles: before {${handles(report.before)}}, after {${handles(report.after)}}`,
    `  server clients left: ${report.serverClientsLeft}, server connections never closed: ${report.serverOpenLeft}`,
    report.errors.length === 0 ? '  every connection ended with the expected event sequence' : `  ERRORS:\n    ${report.errors.join('\n    ')}`,
  ].join('\n');
}

/** The bounds a churn run must stay within. */
export function churnViolations(report: ChurnReport, heapBoundMiB: number): string[] {
  const problems = [...report.errors];
  if (report.after.fds > report.before.fds) problems.push(`fds grew from ${report.before.fds} to ${report.after.fds}`);
  const heapGrowth = report.after.heapMiB - report.before.heapMiB;
  if (heapGrowth > heapBoundMiB) problems.push(`heap grew by ${heapGrowth.toFixed(1)} MiB (bound ${heapBoundMiB} MiB)`);
  if (report.serverClientsLeft !== 0) problems.push(`${report.serverClientsLeft} connections left in wss.clients`);
  if (report.serverOpenLeft !== 0) problems.push(`${report.serverOpenLeft} server-side connections never closed`);
  for (const [type, count] of Object.entries(report.after.handles)) {
    if (count > (report.before.handles[type] ?? 0)) problems.push(`${type} handles grew from ${report.before.handles[type] ?? 0} to ${count}`);
  }
  return problems;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '50000' },
      concurrency: { type: 'string', default: '100' },
      servers: { type: 'string', default: '4' },
      seed: { type: 'string' },
    },
  });
  const options: ChurnOptions = {
    connections: Number(values.connections),
    concurrency: Number(values.concurrency),
    servers: Number(values.servers),
    seed: values.seed !== undefined ? Number(values.seed) >>> 0 : Math.floor(Math.random() * 2 ** 32),
    log: (line) => console.log(`  … ${line}`),
  };
  if (globalThis.gc === undefined) console.warn('note: run with --expose-gc (npm run churn does) for heap figures after GC');
  console.log(`churn: ${options.connections} connections, ${options.concurrency} at a time, ${options.servers} servers, seed ${options.seed}`);
  const report = await runChurn(options);
  console.log(formatChurnReport(report));
  const problems = churnViolations(report, 16);
  console.log(problems.length === 0 ? 'no growth: OK' : `FAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
