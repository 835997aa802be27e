/**
 * events (event dispatch policy): how many small messages per second a
 * client receives through the WebSocket API when events are dispatched
 * synchronously from the read that completed them (the default,
 * `messageDispatch: 'sync'`, as ws does) versus one task per message as the
 * WHATWG spec words it (`messageDispatch: 'task'`), with ws's EventEmitter
 * client as a reference — so the cost of the standard behaviour is a number.
 *
 *   npm run bench:events [-- --rounds N] [--count N] [--size 16,1024] [--json]
 *
 * The sender (bench/burst-server.ts, an rfc6455 server) runs in its own
 * process pinned to core 0; this process, which holds the three receiving
 * clients, pins itself to core 1 (taskset; unpinned with a note otherwise).
 * One sample: ask for a burst of `count` binary messages and count them
 * until the closing text message. The three clients share this process, so
 * gc runs before every sample (harness.ts compareAsync), the order rotates
 * per round, one untimed warm-up sample each; ratios are medians of paired
 * per-round ratios vs 'sync'. Each burst has a deadline. No target: this
 * part informs the API's default. Not a test.
 */
import { WebSocket as WsWebSocket } from 'ws';
import { api, libLabel } from './lib.js';
import { Child, exitSoon, pinSelf } from './children.js';
import { type AsyncContender, type CaseResult, compareAsync, hasGc } from './harness.js';
import { listArg, machineLine, numberArg, parseArgs, printReport, progress, si, table, times } from './report.js';

const args = parseArgs(process.argv.slice(2));
const options = {
  rounds: numberArg(args, 'rounds', 7),
  count: numberArg(args, 'count', 200_000),
  sizes: listArg(args, 'size', ['16', '1024']).map(Number),
  pinned: pinSelf(1),
};
const BURST_TIMEOUT_MS = 60_000;
const { WebSocket } = api;

interface BurstClient { readonly name: string; burst(size: number): Promise<number>; close(): void }

/** Start a burst on `send`, resolve with the binary messages counted when `done` is called; bounded. */
function burster(send: (text: string) => void): { burst: (size: number) => Promise<number>; binary: () => void; done: () => void } {
  let received = 0;
  let finish: (() => void) | null = null;
  return {
    burst: (size) => new Promise<number>((resolve, reject) => {
      received = 0;
      const timer = setTimeout(() => reject(new Error(`burst of ${options.count} × ${size} B not done within ${BURST_TIMEOUT_MS} ms`)), BURST_TIMEOUT_MS);
      finish = () => {
        clearTimeout(timer);
        finish = null;
        resolve(received);
      };
      send(`burst ${options.count} ${size}`);
    }),
    binary: () => { received++; },
    done: () => finish?.(),
  };
}

function rfc6455Client(url: string, mode: 'sync' | 'task'): Promise<BurstClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [], { messageDispatch: mode });
    ws.binaryType = 'nodebuffer';
    const b = burster((text) => ws.send(text));
    ws.onmessage = (event) => (typeof event.data === 'string' ? b.done() : b.binary());
    ws.onerror = (event) => reject(event.error);
    ws.onopen = () => resolve({ name: `rfc6455 '${mode}'`, burst: b.burst, close: () => ws.close() });
  });
}

function wsClient(url: string): Promise<BurstClient> {
  return new Promise((resolve, reject) => {
    const ws = new WsWebSocket(url);
    const b = burster((text) => ws.send(text));
    ws.on('message', (_data, isBinary) => (isBinary ? b.binary() : b.done()));
    ws.on('error', reject);
    ws.on('open', () => resolve({ name: 'ws (EventEmitter)', burst: b.burst, close: () => ws.close() }));
  });
}

const server = new Child('burst server', new URL('./burst-server.ts', import.meta.url), [], { core: 0 });
const results: CaseResult[] = [];
let names: string[] = [];
try {
  const { port } = (await server.ready) as unknown as { port: number };
  const url = `ws://127.0.0.1:${port}/`;
  const clients = [await rfc6455Client(url, 'sync'), await rfc6455Client(url, 'task'), await wsClient(url)];
  names = clients.map((c) => c.name);
  for (const size of options.sizes) {
    progress(`events ${size} B: ${options.rounds} rounds × ${clients.length} clients × ${options.count} messages`);
    const contenders: AsyncContender[] = clients.map((client) => ({ name: client.name, run: () => client.burst(size) }));
    results.push(await compareAsync(`${size} B`, contenders, "rfc6455 'sync'", options.rounds));
  }
  for (const client of clients) client.close();
} finally {
  await server.stop();
}

const notes: string[] = [];
if (!options.pinned) notes.push('taskset is unavailable: the sender and the receiving clients were not pinned to cores');
if (!hasGc) notes.push('run with --expose-gc: without it garbage of one client may be collected on another\'s clock');
printReport({
  part: 'events',
  machine: machineLine(),
  options: { ...options, gc: hasGc, rfc6455: libLabel },
  tables: [{
    caption: `event dispatch policy: messages/s received through the API (median), ${options.count} messages per sample; ratios are medians of paired per-round ratios vs 'sync'`,
    markdown: table(['size', ...names, ...names.slice(1).map((n) => `${n} / 'sync'`)], results.map((r) => [
      r.case, ...names.map((n) => si(r.median[n]!)), ...names.slice(1).map((n) => times(r.ratio[n]!)),
    ])),
  }],
  notes,
  targets: [],
  results,
}, args.has('json'));
exitSoon();
