/**
 * Helpers for the runner's tests: scripts written to a scratch folder, a
 * run captured in-process, metric lookup, and peers on 127.0.0.1:0 that
 * count the bytes of every connection from their side (the ground truth
 * for data_sent/data_received) and record the close codes they receive.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { internalConnection } from '../../../src/api/websocket.js';
import { WebSocketServer } from '../../../src/index.js';
import type { CounterValue, GaugeValue, MetricName, MetricValue, TrendStats } from '../../../src/tools/runner/metrics.js';
import { startRun, type RunOptions, type RunResult } from '../../../src/tools/runner/run.js';

/** A scratch folder removed at process exit; scripts are written there. */
export function scratchFolder(prefix: string): { path: string; script(name: string, source: string): string } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  process.once('exit', () => rmSync(path, { recursive: true, force: true }));
  return {
    path,
    script(name, source) {
      const file = join(path, name);
      writeFileSync(file, source);
      return file;
    },
  };
}

export interface CapturedRun {
  readonly result: RunResult;
  /** Everything the run printed. */
  readonly out: string;
  /** The script's console lines (INFO/WARN/ERRO/DEBU … source=console), message text only. */
  readonly logs: string[];
  /** ERRO lines with source=stacktrace or source=init, whole. */
  readonly errors: string[];
}

/** Run a script in-process without progress output, capturing what it prints. */
export async function runCaptured(options: Omit<RunOptions, 'output'>): Promise<CapturedRun> {
  let out = '';
  const result = await startRun({ progress: 'off', ...options, output: { write: (text) => { out += text; }, isTTY: false } }).result;
  const lines = out.split('\n');
  return {
    result,
    out,
    logs: lines.filter((line) => line.endsWith('source=console')).map((line) => line.slice(11).replace(/\s+source=console$/, '')),
    errors: lines.filter((line) => line.startsWith('ERRO[') && !line.endsWith('source=console')),
  };
}

/** One metric of a result (throws when absent). */
export function metric(result: RunResult, name: MetricName, kind: 'counter'): CounterValue;
export function metric(result: RunResult, name: MetricName, kind: 'trend'): TrendStats;
export function metric(result: RunResult, name: MetricName, kind: 'gauge'): GaugeValue;
export function metric(result: RunResult, name: MetricName, kind: MetricValue['kind']): CounterValue | TrendStats | GaugeValue {
  const found = result.summary.metrics.find((m) => m.name === name);
  if (found === undefined || found.kind !== kind) throw new Error(`no ${kind} metric ${name}`);
  return found.values;
}

/** Server-side byte totals over every connection that has closed. */
export interface WireTotals {
  read: number;
  written: number;
  connections: number;
}

/**
 * An echo WebSocketServer that counts, per connection and from its own
 * socket, the bytes read and written (handshake included), and records the
 * close codes clients send.
 */
export async function startCountingEchoServer(t: TestContext) {
  const wss = new WebSocketServer({ port: 0 });
  const totals: WireTotals = { read: 0, written: 0, connections: 0 };
  const closeCodes: number[] = [];
  wss.on('connection', (ws) => {
    ws.binaryType = 'nodebuffer';
    ws.addEventListener('message', (event) => ws.send((event as MessageEvent).data));
    ws.addEventListener('close', (event) => closeCodes.push((event as unknown as { code: number }).code));
    const socket = internalConnection(ws).transport as Socket;
    socket.once('close', () => {
      totals.read += socket.bytesRead;
      totals.written += socket.bytesWritten;
      totals.connections += 1;
    });
  });
  const { port } = await wss.listen();
  t.after(() => wss.close());
  return { url: `ws://127.0.0.1:${port}/echo`, totals, closeCodes, clients: wss.clients };
}

/** A plain TCP server that answers every request head with a 404 and counts the bytes from its side. */
export async function startNotFoundServer(t: TestContext) {
  const totals: WireTotals = { read: 0, written: 0, connections: 0 };
  const server = createServer((socket) => {
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      totals.read += socket.bytesRead;
      totals.written += socket.bytesWritten;
      totals.connections += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}/missing`, totals };
}

export { eventually } from '../../support/eventually.js';
