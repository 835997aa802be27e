/**
 * echo part, server process: an echo server (bench/servers.ts) that also
 * answers the parent's `cpu` requests with its process.cpuUsage(), so the
 * parent can charge the server's CPU time of one sample to its messages.
 *
 *   (started by bench/echo.ts) echo/server.ts --impl rfc6455|ws [--deflate]
 */
import { parseArgs } from '../report.js';
import { serve } from '../ipc-child.js';
import { isServerImpl, startServer } from '../servers.js';

const args = parseArgs(process.argv.slice(2));
const impl = args.get('impl') ?? '';
if (!isServerImpl(impl)) throw new Error(`--impl must be rfc6455 or ws, got ${impl}`);
const server = await startServer(impl, args.has('deflate'));

serve({ port: server.port }, (message) => {
  if (message['type'] === 'cpu') {
    const { user, system } = process.cpuUsage();
    return { user, system, connections: server.connections() };
  }
  throw new Error(`unknown request ${String(message['type'])}`);
});
