/**
 * conns: the server's memory per idle connection at 1k, 5k and 10k
 * connections, and its handshakes/s while they are opened — rfc6455's
 * server vs ws's server.
 *
 *   npm run bench:conns [-- --rounds N] [--sizes 1000,5000,10000] [--concurrency N]
 *                       [--addresses K] [--deflate] [--json]
 *
 * Design, and why:
 * - The server runs in its own process (pinned to core 0, --expose-gc), a
 *   fresh one for every sample: RSS does not fall back after connections
 *   close (the allocator and V8 keep the pages), so a reused server would
 *   charge later samples less. Before the baseline, 200 warm-up connections
 *   are opened and closed, so code loaded and compiled on first use (the
 *   handshake path, crypto) is in the baseline, not in the per-connection
 *   figure.
 * - Memory: after a thorough gc (ipc-child.ts fullGc) before opening and
 *   again once the server counts all N open and SETTLE_MS have passed;
 *   reported per connection: (RSS_after − RSS_before) / N, and likewise V8
 *   heapUsed and `external` (Buffers and other off-heap memory V8 knows of).
 *   RSS is the total the process costs the machine, so the target uses it.
 * - The client is one process (pinned to core 1) reused for every sample;
 *   it opens raw TCP connections with a minimal handshake (conns/client.ts
 *   says why), at most `--concurrency` (64) handshakes at a time, from
 *   source addresses 127.0.0.1 … 127.0.0.K (K = `--addresses`, 8).
 *   Handshakes/s = N / (time from the first connect to the last 101), as
 *   the client sees it.
 * - Every round measures both servers at a size, alternating which goes
 *   first; ratios are medians of per-round ratios over >= 5 rounds.
 * - The fd limit (`ulimit -n`, 20000 here) must cover N sockets plus ~64 in
 *   each process; a size that does not fit is skipped and said so.
 * - `--deflate`: both servers enable permessage-deflate, every client offers
 *   it and exchanges one compressed message (echoed back) before going idle
 *   — both libraries create their zlib contexts lazily, so a never-used
 *   connection would not show the cost. The table says how many connections
 *   actually negotiated the extension.
 * - A third row, `net` (conns/floor-server.ts), is the floor: a node:net
 *   server that answers the handshake and then holds only the socket. Its
 *   figure is what Node's socket costs whatever the library, so the table
 *   shows what each library adds on top (`--servers rfc6455,ws` drops it;
 *   never with --deflate, it has no compression).
 * Target (issue 8): memory per idle connection <= 0.7x ws. Every child is
 * stopped at the end and killed on any error; every wait has a deadline.
 * Not a test.
 */
import { Child, canPin, exitSoon, fdLimit, stopAll } from './children.js';
import { median, pairedRatios } from './harness.js';
import { libLabel } from './lib.js';
import { atMost, check, fixed, listArg, machineLine, numberArg, parseArgs, printReport, progress, si, table, targetCell, times, type TargetCheck } from './report.js';
import { isServerImpl, SERVER_IMPLS, type ServerImpl } from './servers.js';

/** The reference row: Node's socket and nothing else (conns/floor-server.ts). */
const FLOOR = 'net';
type ConnsServer = ServerImpl | typeof FLOOR;
const args = parseArgs(process.argv.slice(2));
const deflate = args.has('deflate');
const options = {
  rounds: numberArg(args, 'rounds', 5),
  sizes: listArg(args, 'sizes', deflate ? ['1000'] : ['1000', '5000', '10000']).map(Number),
  servers: listArg(args, 'servers', deflate ? SERVER_IMPLS : [...SERVER_IMPLS, FLOOR]).filter((s): s is ConnsServer => s === FLOOR ? !deflate : isServerImpl(s)),
  concurrency: numberArg(args, 'concurrency', 64),
  addresses: Math.min(254, numberArg(args, 'addresses', 8)),
  warmup: numberArg(args, 'warmup', 200),
  deflate,
  pinned: canPin(),
  rfc6455: libLabel,
  fdLimit: fdLimit(),
};
const SETTLE_MS = 500;
const OPEN_TIMEOUT_MS = 120_000;
const FD_HEADROOM = 64;
const TARGET = atMost(0.7);
const REFERENCE: ServerImpl = 'ws';
const SUBJECT: ServerImpl = 'rfc6455';

interface MemoryReport { rss: number; heapUsed: number; external: number; connections: number }
interface OpenReport { opened: number; failed: number; negotiated: number; firstError: string; ms: number }
interface Sample { rssPerConn: number; heapPerConn: number; externalPerConn: number; handshakesPerSec: number; opened: number; failed: number; negotiated: number }

const notes: string[] = [];
/** Problems, summed per case over all samples: "<case>: <total> <what>". */
const problems = new Map<string, number>();
function note(caseName: string, what: string, count: number): void {
  const key = `${caseName}: ${what}`;
  problems.set(key, (problems.get(key) ?? 0) + count);
}
if (!options.pinned) notes.push('taskset is unavailable: server and client processes were not pinned to cores');
const client = new Child('conns client', new URL('./conns/client.ts', import.meta.url), [], { core: 1 });

async function sample(impl: ConnsServer, n: number): Promise<Sample> {
  const server = new Child(`conns server (${impl})`, new URL('./conns/server.ts', import.meta.url), ['--impl', impl, ...(deflate ? ['--deflate'] : [])], { core: 0, nodeFlags: ['--expose-gc'] });
  try {
    const { port } = (await server.ready) as unknown as { port: number };
    const openRequest = { type: 'open', port, concurrency: options.concurrency, addresses: options.addresses, deflate, timeoutMs: OPEN_TIMEOUT_MS };
    await client.request({ ...openRequest, n: options.warmup }, OPEN_TIMEOUT_MS + 10_000);
    await client.request({ type: 'close' }, 30_000);
    await server.request({ type: 'wait', count: 0, timeoutMs: 10_000 }, 20_000);
    const before = await server.request<MemoryReport>({ type: 'measure' }, 30_000);
    const open = await client.request<OpenReport>({ ...openRequest, n }, OPEN_TIMEOUT_MS + 10_000);
    if (open.opened === 0) throw new Error(`${impl}: no connection opened (${open.firstError})`);
    const settled = await server.request<{ connections: number }>({ type: 'wait', count: open.opened, timeoutMs: 30_000 }, 40_000);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const after = await server.request<MemoryReport>({ type: 'measure' }, 30_000);
    if (open.failed > 0) note(`${impl} ${n}`, `connections failed to open (${open.firstError})`, open.failed);
    if (settled.connections !== open.opened) note(`${impl} ${n}`, `connections opened by the client but not counted open by the server`, open.opened - settled.connections);
    const held = open.opened;
    return {
      rssPerConn: (after.rss - before.rss) / held,
      heapPerConn: (after.heapUsed - before.heapUsed) / held,
      externalPerConn: (after.external - before.external) / held,
      handshakesPerSec: held / (open.ms / 1000),
      opened: held,
      failed: open.failed,
      negotiated: open.negotiated,
    };
  } finally {
    await server.stop(); // the kernel closes the server's sockets
    const { openFds } = await client.request<{ openFds: number }>({ type: 'close' }, 30_000);
    if (openFds > FD_HEADROOM) throw new Error(`the conns client still holds ${openFds} fds after closing every connection`);
  }
}

interface SizeResult {
  size: number;
  samples: Record<string, Sample[]>;
  median: Record<string, Omit<Sample, 'opened' | 'failed' | 'negotiated'> & { negotiated: number }>;
  /** rfc6455 / ws, medians of paired per-round ratios. */
  ratio: { rssPerConn: number; heapPerConn: number; handshakesPerSec: number };
  /** What each library adds to the floor, heap and RSS per connection (bytes; medians); null without the floor row. */
  aboveFloor: Record<string, { rss: number; heap: number }> | null;
}
const results: SizeResult[] = [];
const targets: TargetCheck[] = [];

try {
  await client.ready;
  for (const size of options.sizes) {
    if (size + FD_HEADROOM > options.fdLimit) {
      notes.push(`${size} connections skipped: the fd limit (ulimit -n) is ${options.fdLimit}, and each process needs ${size} + ${FD_HEADROOM}`);
      continue;
    }
    progress(`conns ${size}: ${options.rounds} rounds × ${options.servers.join(', ')}`);
    const samples: Record<string, Sample[]> = Object.fromEntries(options.servers.map((s) => [s, []]));
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? options.servers : [...options.servers].reverse();
      for (const impl of order) samples[impl]!.push(await sample(impl, size));
    }
    const med = (list: Sample[], key: keyof Sample) => median(list.map((s) => s[key]));
    const paired = (key: keyof Sample) => {
      const a = samples[SUBJECT];
      const b = samples[REFERENCE];
      return a === undefined || b === undefined ? Number.NaN : median(pairedRatios(a.map((s) => s[key]), b.map((s) => s[key])));
    };
    const result: SizeResult = {
      size,
      samples,
      median: Object.fromEntries(Object.entries(samples).map(([impl, list]) => [impl, {
        rssPerConn: med(list, 'rssPerConn'), heapPerConn: med(list, 'heapPerConn'), externalPerConn: med(list, 'externalPerConn'),
        handshakesPerSec: med(list, 'handshakesPerSec'), negotiated: med(list, 'negotiated'),
      }])),
      ratio: { rssPerConn: paired('rssPerConn'), heapPerConn: paired('heapPerConn'), handshakesPerSec: paired('handshakesPerSec') },
      aboveFloor: null,
    };
    const floor = result.median[FLOOR];
    if (floor !== undefined) {
      result.aboveFloor = Object.fromEntries(Object.entries(result.median).filter(([impl]) => impl !== FLOOR)
        .map(([impl, m]) => [impl, { rss: m.rssPerConn - floor.rssPerConn, heap: m.heapPerConn - floor.heapPerConn }]));
    }
    results.push(result);
    targets.push(check(`${size} connections`, `RSS per connection ${SUBJECT} vs ${REFERENCE}`, result.ratio.rssPerConn, TARGET));
  }
} finally {
  await stopAll([client]);
}

for (const [key, count] of problems) {
  const colon = key.indexOf(': ');
  notes.push(`${key.slice(0, colon)}: ${count} ${key.slice(colon + 2)} (over ${options.rounds} samples); its memory figures divide by the connections actually open`);
}
const kib = (bytes: number) => fixed(bytes / 1024, 2);
printReport({
  part: deflate ? 'conns (permessage-deflate)' : 'conns',
  machine: machineLine(),
  options,
  tables: [
    {
      caption: `conns: server memory per ${deflate ? 'connection (after one compressed message each)' : 'idle connection'} (KiB, after gc) and handshakes/s while opening (concurrency ${options.concurrency}); medians over rounds`,
      markdown: table(
        ['connections', 'server', 'RSS KiB/conn', 'heap KiB/conn', 'external KiB/conn', 'handshakes/s', ...(deflate ? ['deflate negotiated'] : [])],
        results.flatMap((r) => Object.entries(r.median).map(([impl, m]) => [
          String(r.size), impl, kib(m.rssPerConn), kib(m.heapPerConn), kib(m.externalPerConn), si(m.handshakesPerSec),
          ...(deflate ? [`${fixed(m.negotiated)} of ${r.size}`] : []),
        ])),
      ),
    },
    {
      caption: `conns: ${SUBJECT} / ${REFERENCE} (medians of paired per-round ratios; lower memory is better, higher handshakes/s is better)`,
      markdown: table(
        ['connections', 'RSS/conn ratio', 'target', 'heap/conn ratio', 'handshakes/s ratio'],
        results.map((r) => [String(r.size), times(r.ratio.rssPerConn), targetCell(r.ratio.rssPerConn, TARGET), times(r.ratio.heapPerConn), times(r.ratio.handshakesPerSec)]),
      ),
    },
    ...(results.some((r) => r.aboveFloor !== null) ? [{
      caption: `conns: what each library adds per connection above the ${FLOOR} floor (Node's socket alone, conns/floor-server.ts), KiB; medians`,
      markdown: table(
        ['connections', 'server', 'RSS above floor', 'heap above floor', `${SUBJECT} target at 0.7x ${REFERENCE} RSS, above floor`],
        results.flatMap((r) => Object.entries(r.aboveFloor ?? {}).map(([impl, extra]) => [
          String(r.size), impl, kib(extra.rss), kib(extra.heap),
          impl === SUBJECT ? kib(0.7 * (r.median[REFERENCE]?.rssPerConn ?? Number.NaN) - (r.median[FLOOR]?.rssPerConn ?? Number.NaN)) : '',
        ])),
      ),
    }] : []),
  ],
  notes,
  targets,
  results,
}, args.has('json'));
exitSoon();
