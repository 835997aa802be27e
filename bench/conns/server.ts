/**
 * conns part, server process (started with --expose-gc, one fresh process
 * per sample): an echo server (bench/servers.ts) that reports its memory
 * after a thorough gc, and waits for its open-connection count to reach a
 * value (bounded), so the parent measures only after connections settled.
 *
 *   (started by bench/conns.ts) conns/server.ts --impl rfc6455|ws|net [--deflate]
 *
 * `--impl net` is the floor (conns/floor-server.ts): Node's socket alone.
 */
import { fullGc, serve } from '../ipc-child.js';
import { parseArgs } from '../report.js';
import { isServerImpl, startServer } from '../servers.js';
import { startFloorServer } from './floor-server.js';

const args = parseArgs(process.argv.slice(2));
const impl = args.get('impl') ?? '';
if (impl === 'net' && args.has('deflate')) throw new Error('--impl net has no permessage-deflate');
if (impl !== 'net' && !isServerImpl(impl)) throw new Error(`--impl must be rfc6455, ws or net, got ${impl}`);
const server = impl === 'net' ? await startFloorServer() : await startServer(impl, args.has('deflate'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

serve({ port: server.port }, async (message) => {
  if (message['type'] === 'measure') {
    await fullGc();
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    return { rss, heapUsed, heapTotal, external, arrayBuffers, connections: server.connections() };
  }
  if (message['type'] === 'wait') {
    const count = Number(message['count']);
    const deadline = Date.now() + Number(message['timeoutMs']);
    while (server.connections() !== count && Date.now() < deadline) await sleep(20);
    return { connections: server.connections() };
  }
  throw new Error(`unknown request ${String(message['type'])}`);
});
