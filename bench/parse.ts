/**
 * parse: the server-side receive path without sockets. One stream of N
 * masked client frames (text and binary; 16 B, 1 KiB, 64 KiB, 1 MiB; each
 * message whole or split into 4 fragments) is cut into 64 KiB chunks, the
 * size of a typical socket read, and fed to rfc6455's FrameParser (parser and
 * message assembly, text validated as UTF-8) and to ws's Receiver, with its
 * native addon (bufferutil; ws 8 validates UTF-8 with Node's buffer.isUtf8
 * either way) and on its JS fallbacks. Reports messages/s and payload MB/s.
 *
 *   npm run bench:parse [-- --rounds N] [--sample-ms N] [--filter TEXT] [--json]
 *
 * Each stream holds 4 MiB of payload (16 MiB from 64 KiB up, at least 4
 * messages). Both parsers unmask in place, so every repetition gets a fresh
 * copy of the chunks, made in prepare() and not timed. Every parser's message
 * count is checked. Rounds rotate the order, gc runs before every sample,
 * ratios are medians of per-round ratios. Targets (issue 8, vs ws with
 * bufferutil): >= 1.5x for 16 B and 1 KiB messages, >= 1.0x at 64 KiB and
 * 1 MiB — applied to every row of that size. Not a test.
 */
import { encodeMessage, FrameParser, libLabel, Opcode } from './lib.js';
import { type CaseResult, compare, type Contender, hasGc, pairedMedian } from './harness.js';
import { wsJs, wsNative, type WsInternals } from './peers.js';
import { atLeast, check, machineLine, numberArg, parseArgs, printReport, progress, si, sizeName, table, targetCell, times, type TargetCheck } from './report.js';

const args = parseArgs(process.argv.slice(2));
const options = { rounds: numberArg(args, 'rounds', 7), sampleMs: numberArg(args, 'sample-ms', 25), chunk: 64 * 1024 };
const only = args.get('filter') ?? '';
const KIB = 1024;
const MIB = 1024 * KIB;
const SIZES = [16, KIB, 64 * KIB, MIB];
const targetFor = (size: number) => atLeast(size <= KIB ? 1.5 : 1.0);

/** A stream of client (masked) messages, cut into chunks of `options.chunk` bytes. */
function clientStream(size: number, binary: boolean, fragments: number): { chunks: Buffer[]; messages: number } {
  const messages = Math.max(4, Math.floor((size >= 64 * KIB ? 16 * MIB : 4 * MIB) / size));
  const payload = binary ? Buffer.alloc(size).map((_, i) => i) : 'a'.repeat(size);
  const fragmentSize = Math.max(1, Math.ceil(size / fragments));
  const frames: Buffer[] = [];
  for (let i = 0; i < messages; i++) {
    frames.push(...encodeMessage(binary ? Opcode.Binary : Opcode.Text, payload, { mask: true, fragmentSize }));
  }
  const whole = Buffer.concat(frames);
  const chunks: Buffer[] = [];
  for (let at = 0; at < whole.length; at += options.chunk) chunks.push(whole.subarray(at, at + options.chunk));
  return { chunks, messages };
}

/** Fresh copies of the stream for `reps` runs: both parsers unmask in place. */
function copies(chunks: Buffer[], reps: number): Buffer[][] {
  return Array.from({ length: reps }, () => chunks.map((c) => Buffer.from(c)));
}

function rfc6455Parse(chunks: Buffer[], expected: number): Contender {
  return {
    name: 'rfc6455',
    prepare(reps) {
      const inputs = copies(chunks, reps);
      return () => {
        let received = 0;
        for (const input of inputs) {
          const parser = new FrameParser({ role: 'server' }, {
            onMessage: () => received++,
            onPing() {}, onPong() {}, onClose() {},
            onError: (e) => { throw e; },
          });
          for (const chunk of input) parser.push(chunk);
        }
        if (received !== expected * reps) throw new Error(`rfc6455 parsed ${received} of ${expected * reps}`);
        return received;
      };
    },
  };
}

function wsParse(name: string, ws: WsInternals, chunks: Buffer[], expected: number): Contender {
  return {
    name,
    prepare(reps) {
      const inputs = copies(chunks, reps);
      return () => {
        let received = 0;
        for (const input of inputs) {
          const receiver = new ws.Receiver({ isServer: true, maxPayload: 100 * MIB, binaryType: 'nodebuffer' });
          receiver.on('message', () => received++);
          receiver.on('error', (e) => { throw e; });
          for (const chunk of input) receiver.write(chunk);
        }
        if (received !== expected * reps) throw new Error(`${name} parsed ${received} of ${expected * reps}`);
        return received;
      };
    },
  };
}

const rows: (CaseResult & { size: number })[] = [];
const targets: TargetCheck[] = [];
for (const size of SIZES) {
  for (const binary of [false, true]) {
    for (const fragments of [1, 4]) {
      const name = `${sizeName(size)} ${binary ? 'binary' : 'text'}${fragments > 1 ? ' ×4 frags' : ''}`;
      if (!name.includes(only)) continue;
      progress(`parse ${name}`);
      const { chunks, messages } = clientStream(size, binary, fragments);
      const result = compare(name, [
        rfc6455Parse(chunks, messages),
        wsParse('ws+bufferutil', wsNative, chunks, messages),
        wsParse('ws (JS)', wsJs, chunks, messages),
      ], 'ws+bufferutil', options);
      rows.push({ size, ...result });
      targets.push(check(name, 'messages/s vs ws+bufferutil', result.ratio['rfc6455']!, targetFor(size)));
    }
  }
}

printReport({
  part: 'parse',
  machine: machineLine(),
  options: { ...options, gc: hasGc, rfc6455: libLabel },
  tables: [{
    caption: `parse (server side, masked frames fed in ${options.chunk / KIB} KiB chunks): messages/s (median), rfc6455 payload MB/s; ratios are medians of paired per-round ratios`,
    markdown: table(
      ['case', 'rfc6455 msg/s', 'rfc6455 MB/s', 'ws+bufferutil msg/s', 'ws (JS) msg/s', 'vs ws+bufferutil', 'target', 'vs ws (JS)'],
      rows.map((r) => [
        r.case, si(r.median['rfc6455']!), (r.median['rfc6455']! * r.size / 1e6).toFixed(0),
        si(r.median['ws+bufferutil']!), si(r.median['ws (JS)']!),
        times(r.ratio['rfc6455']!), targetCell(r.ratio['rfc6455']!, targetFor(r.size)),
        times(pairedMedian(r, 'rfc6455', 'ws (JS)')),
      ]),
    ),
  }],
  notes: hasGc ? [] : ['run with --expose-gc: without it garbage of one contender may be collected on another\'s clock'],
  targets,
  results: rows.map((r) => ({ ...r, unit: 'messages/s', vsWsJs: pairedMedian(r, 'rfc6455', 'ws (JS)') })),
}, args.has('json'));
