/**
 * What one idle server connection keeps alive, by object type: a diagnostic
 * for the conns target, not a benchmark part. Starts one server in this
 * process (`--server rfc6455|ws`, the same echo server as conns), opens N
 * idle connections from the raw conns client in a child process, and diffs
 * two heap snapshots (before, after; each after a thorough gc): bytes and
 * objects per connection for each V8 node type and constructor name.
 *
 *   node --expose-gc --import tsx bench/heap-diff.ts [--server rfc6455] [--n 1000] [--top 30]
 *
 * Snapshots go to the temp directory and are deleted afterwards. Takes
 * ~10 s; measures the tsc build like every part (bench/lib.ts).
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { Child, exitSoon } from './children.js';
import { fullGc } from './ipc-child.js';
import { numberArg, parseArgs, table } from './report.js';
import { isServerImpl, startServer } from './servers.js';

const args = parseArgs(process.argv.slice(2));
const impl = args.get('server') ?? 'rfc6455';
if (!isServerImpl(impl)) throw new Error(`--server must be rfc6455 or ws, got ${impl}`);
const n = numberArg(args, 'n', 1000);
const top = numberArg(args, 'top', 30);

interface Snapshot { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] }

/** Count and self size per "type:name" (strings grouped by type only). */
function summarize(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  rmSync(file, { force: true });
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const totals = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + iType]!]!;
    const key = type.endsWith('string') ? type : `${type}:${snap.strings[snap.nodes[i + iName]!]!.slice(0, 60)}`;
    const entry = totals.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snap.nodes[i + iSize]!;
    totals.set(key, entry);
  }
  return totals;
}

const server = await startServer(impl, false);
const client = new Child('heap-diff client', new URL('./conns/client.ts', import.meta.url), []);
try {
  await client.ready;
  const open = (count: number) => client.request({ type: 'open', port: server.port, n: count, concurrency: 64, addresses: 8, deflate: false, timeoutMs: 60_000 }, 70_000);
  const waitFor = async (count: number) => {
    for (let i = 0; i < 500 && server.connections() !== count; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await open(100); // warm-up: code compiled on first use belongs to the baseline
  await client.request({ type: 'close' }, 20_000);
  await waitFor(0);
  await fullGc();
  const before = summarize(writeHeapSnapshot(join(tmpdir(), `heap-diff-${process.pid}-a.heapsnapshot`)));
  await open(n);
  await waitFor(n);
  await fullGc();
  const after = summarize(writeHeapSnapshot(join(tmpdir(), `heap-diff-${process.pid}-b.heapsnapshot`)));
  const rows = [...after]
    .map(([key, a]) => ({ key, count: a.count - (before.get(key)?.count ?? 0), bytes: a.bytes - (before.get(key)?.bytes ?? 0) }))
    .filter((r) => r.bytes > 0)
    .sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((sum, r) => sum + r.bytes, 0);
  console.log(`${impl}: ${server.connections()} idle connections, ${(total / n).toFixed(0)} B of heap each (self sizes of new objects)\n`);
  console.log(table(['bytes/conn', 'objects/conn', 'type:constructor'], rows.slice(0, top).map((r) => [(r.bytes / n).toFixed(0), (r.count / n).toFixed(1), r.key])));
} finally {
  await client.request({ type: 'close' }, 20_000).catch(() => {});
  await client.stop();
  await server.close();
  exitSoon(2000);
}
