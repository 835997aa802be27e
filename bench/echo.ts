/**
 * echo: loopback end to end. Every pairing of {rfc6455, ws} server ×
 * {rfc6455, ws, undici} client echoes messages of 16 B, 1 KiB, 64 KiB and
 * 1 MiB with exactly 32 in flight; reported: messages/s, payload MB/s (one
 * direction), p50/p99 round trip (µs), the client's and the server's CPU µs
 * per message, and the paired ratios of each pairing vs ws server + ws
 * client.
 *
 *   npm run bench:echo [-- --rounds N] [--sizes 16,1024,...] [--servers rfc6455,ws]
 *                      [--clients rfc6455,ws,undici] [--payload binary|text|json]
 *                      [--window 32] [--count-scale F] [--cap-ms N] [--deflate]
 *                      [--cpu-prof DIR] [--json]
 *
 * Design, and why:
 * - Processes, not threads: the server and the client of a pairing each run
 *   in their own Node process, the server pinned to core 0 and the client to
 *   core 1 (`taskset -c`; unpinned, with a note, where taskset is missing),
 *   so neither steals the other's core or event loop and each one's CPU time
 *   (process.cpuUsage) is its own. The parent only sends "run" and reads
 *   results between samples; it is idle while a sample runs.
 * - Each pairing has its own server process and its own client process,
 *   started once and reused for every size and round over one connection
 *   (startup with tsx takes ~1 s and would dwarf a sample; a warm-up sample
 *   per pairing and size brings the JIT to steady state first). Idle
 *   processes of the other pairings sleep in epoll and cost nothing.
 * - CPU µs per message (client + server) is reported beside the wall-clock
 *   figures because it is far steadier on this shared machine: when other
 *   work takes the cores, messages/s and p99 swing several-fold between
 *   samples while the CPU each message costs hardly moves. The targets
 *   are the (messages/s, p99); the CPU ratio is the cross-check.
 * - A sample is a fixed message count per size (150k for 16 B and 1 KiB, 4k
 *   for 64 KiB, 400 for 1 MiB; with `--deflate` 5k, 1k and 100;
 *   `--count-scale` multiplies) with a time cap
 *   (`--cap-ms`, default 4 s); a capped sample stops sending, drains, and
 *   counts what it did (noted in the report). Each round runs every pairing
 *   once, in rotating order; ratios are medians of per-round ratios over
 *   7 rounds by default. Both processes run a full gc before each sample.
 * - ws server and client run with default options (bufferutil loaded);
 *   permessage-deflate is off on both servers unless `--deflate` (then on
 *   for both, JSON-like text payload, 1 KiB and 64 KiB by default; the rows
 *   say whether the extension was actually negotiated, so this works before
 *   rfc6455 accepts a `perMessageDeflate` option).
 * Targets (issue 8): rfc6455 server + rfc6455 client >= 1.2x ws + ws in
 * messages/s at 16 B and 1 KiB, >= 1.0x at 64 KiB and 1 MiB, with p99 no
 * worse (p99 ratio <= 1.0x). `--cpu-prof DIR` runs every server and client
 * under `node --cpu-prof` and leaves one .cpuprofile per process in DIR. Every child is stopped at the end and killed
 * on any error (children.ts); every wait has a deadline. Not a test.
 */
import { type Child, canPin, exitSoon, stopAll } from './children.js';
import { median, pairedRatios } from './harness.js';
import { libLabel } from './lib.js';
import { CLIENT_IMPLS, type ClientImpl, isClientImpl } from './echo/clients.js';
import { isPayloadKind } from './payloads.js';
import { atLeast, atMost, check, fixed, listArg, machineLine, numberArg, parseArgs, printReport, progress, si, sizeName, table, targetCell, times, type TargetCheck } from './report.js';
import { isServerImpl, SERVER_IMPLS, type ServerImpl } from './servers.js';
import { startPair, type Pair } from './echo/pair.js';

const args = parseArgs(process.argv.slice(2));
const deflate = args.has('deflate');
const KIB = 1024;
const MIB = 1024 * KIB;
const options = {
  rounds: numberArg(args, 'rounds', 7),
  sizes: listArg(args, 'sizes', deflate ? ['1024', '65536'] : ['16', '1024', '65536', '1048576']).map(Number),
  servers: listArg(args, 'servers', SERVER_IMPLS).filter(isServerImpl),
  clients: listArg(args, 'clients', deflate ? ['rfc6455', 'ws'] : CLIENT_IMPLS).filter(isClientImpl),
  payload: args.get('payload') ?? (deflate ? 'json' : 'binary'),
  window: numberArg(args, 'window', 32),
  countScale: numberArg(args, 'count-scale', 1),
  capMs: numberArg(args, 'cap-ms', 4000),
  deflate,
  pinned: canPin(),
  rfc6455: libLabel,
  cpuProf: args.get('cpu-prof'),
};
if (!isPayloadKind(options.payload)) throw new Error(`--payload must be binary, text or json, got ${options.payload}`);
const REFERENCE = 'ws+ws';
const SUBJECT = 'rfc6455+rfc6455';

/**
 * Messages per sample for a size: about 0.3–1.5 s of work on this machine.
 * Small messages need many: at 150k–350k msg/s a 20k-message sample lasts
 * 60–130 ms, and its p99 then measures the sample's start-up transient (a few
 * stalled windows are 1% of it), not the steady state. Compressed small
 * messages cost ~10x more each, so a quarter of the large counts, and 5k small ones, suffice.
 */
function countFor(size: number): number {
  const base = size <= KIB ? (deflate ? 5_000 : 150_000) : (size <= 64 * KIB ? 4_000 : size <= MIB ? 400 : 100) / (deflate ? 4 : 1);
  return Math.max(options.window * 2, Math.round(base * options.countScale));
}
const msgTarget = (size: number) => atLeast(size <= KIB ? 1.2 : 1.0);
const P99_TARGET = atMost(1.0);

/** One sample's figures. */
interface Sample { msgsPerSec: number; mbPerSec: number; p50: number; p99: number; clientCpu: number; serverCpu: number; capped: boolean }

async function sample(pair: Pair, size: number, count: number): Promise<Sample> {
  const before = await pair.server.request<{ user: number; system: number }>({ type: 'cpu', gc: true }, 10_000);
  const run = await pair.client.request<{ messages: number; ms: number; cpuUs: number; capped: boolean; rttUs: { p50: number; p99: number } }>(
    { type: 'run', size, count, window: options.window, capMs: options.capMs, payload: options.payload },
    options.capMs + 30_000,
  );
  const after = await pair.server.request<{ user: number; system: number }>({ type: 'cpu' }, 10_000);
  if (run.messages === 0) throw new Error(`${pair.name}: no message came back within the cap`);
  const msgsPerSec = run.messages / (run.ms / 1000);
  return {
    msgsPerSec,
    mbPerSec: (msgsPerSec * size) / 1e6,
    p50: run.rttUs.p50,
    p99: run.rttUs.p99,
    clientCpu: run.cpuUs / run.messages,
    serverCpu: (after.user + after.system - before.user - before.system) / run.messages,
    capped: run.capped,
  };
}

const pairs: Pair[] = [];
const children = (): Child[] => pairs.flatMap((p) => [p.server, p.client]);
const notes: string[] = [];
if (!options.pinned) notes.push('taskset is unavailable: server and client processes were not pinned to cores');

interface SizeResult {
  size: number;
  count: number;
  samples: Record<string, Sample[]>;
  median: Record<string, Omit<Sample, 'capped'>>;
  /** Median paired ratios vs ws+ws; cpu is client + server CPU per message. */
  ratio: Record<string, { msgsPerSec: number; p99: number; cpu: number }>;
}
const results: SizeResult[] = [];
const targets: TargetCheck[] = [];

try {
  progress(`starting ${options.servers.length * options.clients.length} pairings (server on core 0, client on core 1)`);
  for (const server of options.servers as ServerImpl[]) {
    for (const client of options.clients as ClientImpl[]) pairs.push(await startPair(server, client, deflate, options.cpuProf));
  }
  for (const pair of pairs) {
    if (deflate && !/permessage-deflate/.test(pair.extensions)) notes.push(`${pair.name}: permessage-deflate was not negotiated (the row is uncompressed)`);
  }
  for (const size of options.sizes) {
    const count = countFor(size);
    progress(`echo ${sizeName(size)}: warm-up, then ${options.rounds} rounds × ${pairs.length} pairings × ${count} messages`);
    for (const pair of pairs) await sample(pair, size, Math.max(options.window * 2, count >> 2));
    const samples: Record<string, Sample[]> = Object.fromEntries(pairs.map((p) => [p.name, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < pairs.length; k++) {
        const pair = pairs[(round + k) % pairs.length]!;
        samples[pair.name]!.push(await sample(pair, size, count));
      }
    }
    const med = (list: Sample[], key: keyof Omit<Sample, 'capped'>) => median(list.map((s) => s[key]));
    const result: SizeResult = { size, count, samples, median: {}, ratio: {} };
    for (const [name, list] of Object.entries(samples)) {
      result.median[name] = {
        msgsPerSec: med(list, 'msgsPerSec'), mbPerSec: med(list, 'mbPerSec'), p50: med(list, 'p50'), p99: med(list, 'p99'),
        clientCpu: med(list, 'clientCpu'), serverCpu: med(list, 'serverCpu'),
      };
      const ref = samples[REFERENCE];
      if (ref !== undefined) {
        result.ratio[name] = {
          msgsPerSec: median(pairedRatios(list.map((s) => s.msgsPerSec), ref.map((s) => s.msgsPerSec))),
          p99: median(pairedRatios(list.map((s) => s.p99), ref.map((s) => s.p99))),
          cpu: median(pairedRatios(list.map((s) => s.clientCpu + s.serverCpu), ref.map((s) => s.clientCpu + s.serverCpu))),
        };
      }
      const capped = list.filter((s) => s.capped).length;
      if (capped > 0) notes.push(`${sizeName(size)} ${name}: ${capped} of ${list.length} samples hit the ${options.capMs} ms cap`);
    }
    const subject = result.ratio[SUBJECT];
    if (subject !== undefined) {
      targets.push(check(sizeName(size), `messages/s ${SUBJECT} vs ${REFERENCE}`, subject.msgsPerSec, msgTarget(size)));
      targets.push(check(sizeName(size), `p99 RTT ${SUBJECT} vs ${REFERENCE}`, subject.p99, P99_TARGET));
    }
    results.push(result);
  }
} finally {
  await stopAll(children());
}

const pairNames = pairs.map((p) => p.name);
const label = (name: string) => name.split('+') as [string, string];
printReport({
  part: deflate ? 'echo (permessage-deflate)' : 'echo',
  machine: machineLine(),
  options,
  tables: [
    {
      caption: `echo: ${options.window} ${options.payload} messages in flight, loopback, server and client in separate processes; medians over rounds; ratios are medians of paired per-round ratios vs ${REFERENCE}`,
      markdown: table(
        ['size', 'server', 'client', 'msg/s', 'MB/s', 'p50 µs', 'p99 µs', 'client CPU µs/msg', 'server CPU µs/msg', 'msg/s vs ws+ws', 'p99 vs ws+ws', 'CPU/msg vs ws+ws'],
        results.flatMap((r) => pairNames.map((name) => {
          const m = r.median[name]!;
          const x = r.ratio[name];
          return [sizeName(r.size), ...label(name), si(m.msgsPerSec), fixed(m.mbPerSec, m.mbPerSec < 10 ? 2 : 0), fixed(m.p50), fixed(m.p99),
            fixed(m.clientCpu, 1), fixed(m.serverCpu, 1), times(x?.msgsPerSec ?? Number.NaN), times(x?.p99 ?? Number.NaN), times(x?.cpu ?? Number.NaN)];
        })),
      ),
    },
    {
      caption: `echo targets: ${SUBJECT} vs ${REFERENCE} (medians of paired per-round ratios)`,
      markdown: table(
        ['size', 'msg/s ratio', 'target', 'p99 ratio', 'target', 'CPU/msg ratio (no target)'],
        results.map((r) => {
          const x = r.ratio[SUBJECT];
          return [sizeName(r.size), times(x?.msgsPerSec ?? Number.NaN), targetCell(x?.msgsPerSec ?? Number.NaN, msgTarget(r.size)),
            times(x?.p99 ?? Number.NaN), targetCell(x?.p99 ?? Number.NaN, P99_TARGET), times(x?.cpu ?? Number.NaN)];
        }),
      ),
    },
  ],
  notes,
  targets,
  results: { pairings: pairs.map((p) => ({ name: p.name, extensions: p.extensions })), sizes: results },
}, args.has('json'));
exitSoon();
