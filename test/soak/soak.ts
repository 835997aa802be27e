/**
 * Data-integrity soak: N clients each send messages of random sizes (0 B up
 * to --max-size, text and binary, some clients fragmenting) through an
 * rfc6455 echo server and check that every echo comes back byte-exact and in
 * order. Each message carries its client id, a sequence number and the
 * SHA-256 of its body, so a corrupted, truncated, duplicated, lost or
 * reordered message is detected where it arrives.
 *
 *   npm run soak -- [--clients 2000] [--seconds 60] [--max-size 1048576] [--seed S]
 *                   [--deflate] [--window 2] [--messages N] [--in-process]
 *
 * (`npm run soak` is `node --expose-gc --import tsx test/soak/soak.ts`.)
 * Prints throughput, p50/p99/max round-trip latency and the peak RSS of the
 * clients' process and of the server's (a child process unless --in-process),
 * and exits 1 on any integrity error. Every loop is bounded: by --seconds for
 * sending, by --messages per client, and by a hard deadline for the echoes
 * still in flight.
 */
import { createHash } from 'node:crypto';
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type CloseEvent, type ErrorEvent, WebSocket, WebSocketServer } from '../../src/index.js';
import { prng } from '../support/frame-events.js';
import { int, type Random, randomBytes, randomText } from '../support/traffic.js';

export interface SoakOptions {
  readonly clients: number;
  /** Stop starting new messages after this long. */
  readonly seconds: number;
  /** At most this many messages per client. Default: unlimited (time-bound). */
  readonly messagesPerClient?: number;
  /** Largest message body, bytes. */
  readonly maxSize: number;
  readonly seed: number;
  readonly deflate: boolean;
  /** Messages in flight per client. Default 2. */
  readonly window?: number;
  /** Run the echo server in this process (default: a child process, so it gets its own core). */
  readonly inProcess?: boolean;
  /** Clients connecting at once. Default 200. */
  readonly connectConcurrency?: number;
  readonly log?: (line: string) => void;
}

export interface SoakReport {
  readonly clients: number;
  readonly messages: number;
  /** Payload bytes sent by the clients (the same again came back). */
  readonly bytes: number;
  readonly durationMs: number;
  readonly messagesPerSecond: number;
  readonly mebibytesPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Which message had the slowest round trip. */
  readonly slowest: { readonly client: number; readonly seq: number; readonly size: number; readonly fragmentSize: number; readonly at: number };
  readonly peakRssMiB: number;
  readonly serverPeakRssMiB: number;
  readonly fragmentedClients: number;
  /** Time to connect every client, before the clock of the run starts. */
  readonly connectMs: number;
  /** Integrity and protocol errors (empty when everything held). */
  readonly errors: readonly string[];
}

const MiB = 1024 * 1024;
const MAGIC = 0x50a4_6455;
/** binary: magic, client, seq (u32 each), SHA-256 of the body (32 bytes), then the body. */
const BINARY_HEADER = 12 + 32;

/** Peak resident set size of this process (VmHWM), in MiB. */
export function peakRssMiB(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const line = status.split('\n').find((l) => l.startsWith('VmHWM:'));
    if (line !== undefined) return Math.round(Number.parseInt(line.slice(6).trim(), 10) / 1024);
  } catch {
    // Not Linux: fall back to the current RSS.
  }
  return Math.round(process.memoryUsage.rss() / MiB);
}

/** Sizes from 0 to max: mostly small, some medium, a few large (the distribution real traffic has). */
function messageSize(random: Random, max: number): number {
  const r = random();
  const cap = (n: number) => Math.min(n, max);
  if (r < 0.5) return int(random, cap(256) + 1);
  if (r < 0.8) return cap(256 + int(random, 16 * 1024));
  if (r < 0.95) return cap(16 * 1024 + int(random, 240 * 1024));
  return cap(256 * 1024 + int(random, Math.max(1, max - 256 * 1024 + 1)));
}

/** Pools that message bodies are sliced from (generating 1 MiB per message would dominate the run). */
class Pools {
  readonly bytes: Buffer;
  readonly text: string;

  constructor(random: Random, maxSize: number) {
    this.bytes = randomBytes(random, maxSize + 64 * 1024);
    this.text = randomText(random, maxSize + 64 * 1024);
  }

  binary(random: Random, size: number): Buffer {
    const at = int(random, this.bytes.length - size + 1);
    return this.bytes.subarray(at, at + size);
  }

  /** About `size` UTF-8 bytes of text, never splitting a surrogate pair. */
  textOf(random: Random, size: number): string {
    // Code units ≤ bytes: take `size` units, then trim so no pair is split.
    const units = Math.min(size, this.text.length);
    let at = int(random, this.text.length - units + 1);
    let end = at + units;
    const low = (i: number) => i < this.text.length && (this.text.charCodeAt(i) & 0xfc00) === 0xdc00;
    if (low(at)) at++;
    if (low(end)) end--;
    return this.text.slice(at, Math.max(at, end));
  }
}

function digest(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Start the echo server; resolves with its port and a stop function reporting the server's peak RSS. */
async function startEchoServer(options: SoakOptions): Promise<{ port: number; stop: () => Promise<number> }> {
  if (options.inProcess === true) {
    const { port, stop } = await serveEcho(options.deflate);
    return { port, stop: async () => (await stop(), 0) };
  }
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve', ...(options.deflate ? ['--deflate'] : [])], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
  });
  return {
    port,
    stop: () => new Promise<number>((resolve) => {
      let peak = 0;
      child.on('message', (message) => (peak = (message as { peakRssMiB?: number }).peakRssMiB ?? peak));
      child.once('exit', () => resolve(peak));
      child.send('stop');
    }),
  };
}

/** The echo server itself: text back as text, binary as binary. */
async function serveEcho(deflate: boolean): Promise<{ port: number; stop: () => Promise<void> }> {
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    maxPayload: 64 * MiB,
    fragmentSize: 64 * 1024, // echoes over 64 KiB go back fragmented
    ...(deflate ? { perMessageDeflate: { threshold: 1024 } } : {}),
  });
  wss.on('connection', (ws) => {
    ws.binaryType = 'nodebuffer';
    ws.addEventListener('message', (event) => ws.send((event as MessageEvent).data as Buffer | string));
  });
  const { port } = await wss.listen();
  return { port, stop: () => wss.close() };
}

/** Run the soak; resolves with the report (integrity problems are in `errors`, never thrown). */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const window = options.window ?? 2;
  const random = prng(options.seed);
  const pools = new Pools(random, options.maxSize);
  const errors: string[] = [];
  const error = (text: string) => {
    if (errors.length < 50) errors.push(text);
  };
  const latencies: number[] = [];
  /** The slowest round trip, to tell a starved client from a slow run. */
  let slowest = { latency: 0, client: -1, seq: -1, size: 0, fragmentSize: 0, at: 0 };
  let messages = 0;
  let bytes = 0;
  let fragmentedClients = 0;
  const server = await startEchoServer(options);
  const url = `ws://127.0.0.1:${server.port}/soak`;
  let started = performance.now();
  let sendUntil = Number.POSITIVE_INFINITY;
  /** Phase 1 connects every client; phase 2 (this promise) lets them all send at once. */
  let go!: () => void;
  const allConnected = new Promise<void>((resolve) => (go = resolve));
  const maxMessages = options.messagesPerClient ?? Number.POSITIVE_INFINITY;
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  const progress = setInterval(() => log(`${messages} messages echoed, ${(bytes / MiB).toFixed(0)} MiB, ${((performance.now() - started) / 1000).toFixed(0)} s`), 5000);

  /** One client's whole life; `opened` settles once it is open (or failed to open). */
  const runClient = (id: number, opened: () => void) => new Promise<void>((resolve) => {
    const clientRandom = prng(options.seed ^ Math.imul(id + 1, 0x9e3779b1));
    const fragmentSize = [0, 0, 0, 0, 1000, 16 * 1024, 100_000][int(clientRandom, 7)]!;
    if (fragmentSize > 0) fragmentedClients++;
    const ws = new WebSocket(url, [], {
      ...(fragmentSize > 0 ? { fragmentSize } : {}),
      ...(options.deflate ? { perMessageDeflate: true } : {}),
      maxPayload: 64 * MiB,
    });
    ws.binaryType = 'nodebuffer';
    /** What each outstanding message must come back as, oldest first. */
    const outstanding: { seq: number; binary: boolean; digest: Buffer; size: number; sentAt: number }[] = [];
    let nextSeq = 0;
    let closing = false;
    const sendOne = () => {
      const seq = nextSeq++;
      const size = messageSize(clientRandom, options.maxSize);
      const binary = clientRandom() < 0.5;
      let message: Buffer | string;
      let bodyDigest: Buffer;
      if (binary) {
        const body = pools.binary(clientRandom, size);
        bodyDigest = digest(body);
        const head = Buffer.allocUnsafe(BINARY_HEADER);
        head.writeUInt32BE(MAGIC, 0);
        head.writeUInt32BE(id, 4);
        head.writeUInt32BE(seq, 8);
        bodyDigest.copy(head, 12);
        message = Buffer.concat([head, body]);
      } else {
        const body = pools.textOf(clientRandom, size);
        bodyDigest = digest(body);
        message = `${id}:${seq}:${bodyDigest.toString('hex')}:${body}`;
      }
      outstanding.push({ seq, binary, digest: bodyDigest, size, sentAt: performance.now() });
      bytes += typeof message === 'string' ? Buffer.byteLength(message) : message.length;
      ws.send(message);
    };
    const pump = () => {
      while (!closing && outstanding.length < window && nextSeq < maxMessages && performance.now() < sendUntil) sendOne();
      if (!closing && outstanding.length === 0) {
        closing = true;
        ws.close(1000, 'done');
      }
    };
    let failure = '';
    ws.addEventListener('error', (event) => (failure = String(((event as ErrorEvent).error as { code?: string } | undefined)?.code ?? (event as ErrorEvent).message)));
    ws.addEventListener('open', () => {
      opened();
      void allConnected.then(pump);
    });
    ws.addEventListener('message', (event) => {
      const data = (event as MessageEvent).data as Buffer | string;
      const expected = outstanding.shift();
      if (expected === undefined) {
        error(`client ${id}: an echo nobody sent (duplicate?)`);
        return;
      }
      let client: number;
      let seq: number;
      let carried: Buffer;
      let body: Buffer | string;
      if (typeof data === 'string') {
        const parts = data.split(':', 3);
        client = Number(parts[0]);
        seq = Number(parts[1]);
        carried = Buffer.from(parts[2] ?? '', 'hex');
        body = data.slice((parts[0]?.length ?? 0) + (parts[1]?.length ?? 0) + (parts[2]?.length ?? 0) + 3);
      } else {
        if (data.length < BINARY_HEADER || data.readUInt32BE(0) !== MAGIC) {
          error(`client ${id}: binary echo without a valid header (${data.length} bytes)`);
          return;
        }
        client = data.readUInt32BE(4);
        seq = data.readUInt32BE(8);
        carried = data.subarray(12, BINARY_HEADER);
        body = data.subarray(BINARY_HEADER);
      }
      if (client !== id) error(`client ${id}: received client ${client}'s message`);
      else if (seq !== expected.seq) error(`client ${id}: message ${seq} arrived where ${expected.seq} was due (reordered or lost)`);
      else if ((typeof data !== 'string') !== expected.binary) error(`client ${id}: message ${seq} changed type`);
      else if (!digest(body).equals(carried) || !carried.equals(expected.digest)) error(`client ${id}: message ${seq} (${expected.size} bytes) corrupted`);
      else {
        messages++;
        const latency = performance.now() - expected.sentAt;
        latencies.push(latency);
        if (latency > slowest.latency) slowest = { latency, client: id, seq, size: expected.size, fragmentSize, at: (expected.sentAt - started) / 1000 };
      }
      pump();
    });
    ws.addEventListener('close', (event) => {
      const close = event as CloseEvent;
      if (!closing || close.code !== 1000 || !close.wasClean) error(`client ${id}: closed with ${close.code} (clean: ${close.wasClean}${failure !== '' ? `, ${failure}` : ''}) with ${outstanding.length} echoes outstanding`);
      else if (outstanding.length > 0) error(`client ${id}: ${outstanding.length} echoes never came back`);
      opened();
      resolve();
    });
  });

  // Connect in waves (at most `concurrency` handshakes at once), then let every client run to completion
  // (bounded by the hard deadline). All clients are connected at the same time.
  const concurrency = options.connectConcurrency ?? 200;
  const clients: Promise<void>[] = [];
  let connecting = 0;
  const slots: (() => void)[] = [];
  for (let id = 0; id < options.clients; id++) {
    if (connecting >= concurrency) await new Promise<void>((resolve) => slots.push(resolve));
    connecting++;
    let settled = false;
    clients.push(runClient(id, () => {
      if (settled) return;
      settled = true;
      connecting--;
      slots.shift()?.();
    }));
  }
  // Every client has opened (or failed to): start the clock and let them all send.
  while (connecting > 0) await new Promise<void>((resolve) => slots.push(resolve));
  const connectMs = performance.now() - started;
  log(`${options.clients} clients connected in ${(connectMs / 1000).toFixed(1)} s`);
  started = performance.now();
  sendUntil = started + options.seconds * 1000;
  go();
  const hardDeadline = options.seconds * 1000 + 30_000;
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    Promise.all(clients).then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), hardDeadline))),
  ]);
  clearTimeout(timer);
  if (!finished) error(`not every client finished within ${hardDeadline} ms (stalled echoes)`);
  const durationMs = performance.now() - started;
  clearInterval(sampler);
  clearInterval(progress);
  const serverPeak = await server.stop();
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) => (latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
  return {
    clients: options.clients,
    messages,
    bytes,
    durationMs,
    messagesPerSecond: messages / (durationMs / 1000),
    mebibytesPerSecond: (2 * bytes) / MiB / (durationMs / 1000),
    latencyMs: { p50: quantile(0.5), p99: quantile(0.99), max: latencies.at(-1) ?? 0 },
    slowest,
    peakRssMiB: Math.max(Math.round(peakRss / MiB), options.inProcess === true ? peakRssMiB() : 0),
    serverPeakRssMiB: serverPeak,
    fragmentedClients,
    connectMs,
    errors,
  };
}

export function formatSoakReport(report: SoakReport, options: SoakOptions): string {
  return [
    `soak: ${report.clients} clients (${report.fragmentedClients} fragmenting, all connected in ${(report.connectMs / 1000).toFixed(1)} s), ${options.deflate ? 'permessage-deflate, ' : ''}max ${options.maxSize} B, seed ${options.seed}`,
    `  ${report.messages} messages echoed byte-exact and in order, ${(2 * report.bytes / MiB).toFixed(1)} MiB moved in ${(report.durationMs / 1000).toFixed(1)} s`,
    `  throughput ${report.messagesPerSecond.toFixed(0)} messages/s, ${report.mebibytesPerSecond.toFixed(1)} MiB/s (both directions)`,
    `  round-trip latency p50 ${report.latencyMs.p50.toFixed(1)} ms, p99 ${report.latencyMs.p99.toFixed(1)} ms, max ${report.latencyMs.max.toFixed(1)} ms ` +
      `(client ${report.slowest.client} message ${report.slowest.seq}, ${report.slowest.size} B, sent at ${report.slowest.at.toFixed(1)} s${report.slowest.fragmentSize > 0 ? `, fragments of ${report.slowest.fragmentSize} B` : ''})`,
    `  peak RSS: clients ${report.peakRssMiB} MiB${options.inProcess === true ? ' (server in the same process)' : `, server ${report.serverPeakRssMiB} MiB`}`,
    report.errors.length === 0 ? '  integrity: OK' : `  INTEGRITY ERRORS (${report.errors.length}):\n    ${report.errors.join('\n    ')}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '20' },
      'max-size': { type: 'string', default: String(MiB) },
      seed: { type: 'string' },
      deflate: { type: 'boolean', default: false },
      window: { type: 'string', default: '2' },
      messages: { type: 'string' },
      'in-process': { type: 'boolean', default: false },
      serve: { type: 'boolean', default: false },
    },
  });
  if (values.serve) {
    // Child mode: the echo server, stopped by the parent's 'stop'.
    const { port, stop } = await serveEcho(values.deflate);
    process.send?.({ port });
    process.on('message', async () => {
      await stop();
      process.send?.({ peakRssMiB: peakRssMiB() });
      process.disconnect();
    });
    return;
  }
  const options: SoakOptions = {
    clients: Number(values.clients),
    seconds: Number(values.seconds),
    maxSize: Number(values['max-size']),
    seed: values.seed !== undefined ? Number(values.seed) >>> 0 : Math.floor(Math.random() * 2 ** 32),
    deflate: values.deflate,
    window: Number(values.window),
    inProcess: values['in-process'],
    ...(values.messages !== undefined ? { messagesPerClient: Number(values.messages) } : {}),
    log: (line) => console.log(`  … ${line}`),
  };
  console.log(`soak: ${options.clients} clients for ${options.seconds} s, seed ${options.seed} (rerun with --seed ${options.seed})`);
  const report = await runSoak(options);
  console.log(formatSoakReport(report, options));
  process.exitCode = report.errors.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
