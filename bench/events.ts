/**
 * Event dispatch policy benchmark: how many small messages per second a
 * client receives through the WebSocket API when events are dispatched
 * synchronously per read (the default, `messageDispatch: 'sync'`) versus one
 * task per message as the WHATWG spec words it (`messageDispatch: 'task'`),
 * with `ws`'s EventEmitter client as a reference. The sender runs in its own
 * process.
 *
 *   npm run bench:events [-- --rounds N --count N --size N --json]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { WebSocket as WsWebSocket } from 'ws';
import { WebSocket } from '../src/index.js';
import { type AsyncContender, compareAsync, machineLine, parseArgs, si, table } from './harness.js';

const args = parseArgs(process.argv.slice(2));
const rounds = Number(args.get('rounds') ?? 7);
const count = Number(args.get('count') ?? 200_000);
const sizes = (args.get('size') ?? '16,1024').split(',').map(Number);

const server = spawn(process.execPath, ['--import', 'tsx', new URL('./burst-server.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
const [portLine] = (await once(server.stdout!, 'data')) as [Buffer];
const url = `ws://127.0.0.1:${Number(portLine.toString().trim())}/`;

function rfc6455Client(mode: 'sync' | 'task'): Promise<{ name: string; burst: (size: number) => Promise<number>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [], { messageDispatch: mode });
    ws.binaryType = 'nodebuffer';
    let received = 0;
    let done: (() => void) | null = null;
    ws.onmessage = (event) => {
      if (typeof event.data === 'string') done?.();
      else received++;
    };
    ws.onerror = (event) => reject(event.error);
    ws.onopen = () => resolve({
      name: `rfc6455 '${mode}'`,
      burst: (size) => new Promise((finish) => {
        received = 0;
        done = () => finish(received);
        ws.send(`burst ${count} ${size}`);
      }),
      close: () => ws.close(),
    });
  });
}

function wsClient(): Promise<{ name: string; burst: (size: number) => Promise<number>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const ws = new WsWebSocket(url);
    let received = 0;
    let done: (() => void) | null = null;
    ws.on('message', (_data, isBinary) => {
      if (!isBinary) done?.();
      else received++;
    });
    ws.on('error', reject);
    ws.on('open', () => resolve({
      name: 'ws (EventEmitter)',
      burst: (size) => new Promise((finish) => {
        received = 0;
        done = () => finish(received);
        ws.send(`burst ${count} ${size}`);
      }),
      close: () => ws.close(),
    }));
  });
}

const clients = [await rfc6455Client('sync'), await rfc6455Client('task'), await wsClient()];
const results = [];
for (const size of sizes) {
  const contenders: AsyncContender[] = clients.map((client) => ({ name: client.name, run: () => client.burst(size) }));
  results.push(await compareAsync(`${size} B`, contenders, "rfc6455 'sync'", rounds));
}
for (const client of clients) client.close();
server.kill('SIGTERM');

const machine = await machineLine();
if (args.has('json')) {
  console.log(JSON.stringify({ machine, rounds, count, results }, null, 2));
} else {
  console.log(`event dispatch policy — ${machine}; ${count} messages per sample, ${rounds} rounds (messages/s, median; ratio vs 'sync')`);
  const names = clients.map((c) => c.name);
  console.log(table(['size', ...names, ...names.slice(1).map((n) => `${n} / 'sync'`)], results.map((r) => [
    r.case, ...names.map((n) => si(r.median[n]!)), ...names.slice(1).map((n) => `${r.ratio[n]!.toFixed(2)}x`),
  ])));
}
