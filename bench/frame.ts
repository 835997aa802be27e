/**
 * Frame-layer benchmark: masking, parsing and serializing, side by side with
 * `ws` (with and without its native addons) in one run.
 *
 *   npm run bench:frame [-- --part mask|parse|serialize] [--rounds N] [--sample-ms N] [--json]
 *
 * Not a test: nothing here asserts a timing. Targets (issue 2): parse and
 * serialize >= 1.0x ws-with-bufferutil at every size; mask >= 0.9x bufferutil
 * from 1 KiB up.
 */
import { FrameParser } from '../src/frame/parser.js';
import { maskCopy } from '../src/frame/mask.js';
import { Opcode } from '../src/frame/opcode.js';
import { encodeFrame, encodeMessage } from '../src/frame/serializer.js';
import { type CaseResult, compare, type Contender, machineLine, parseArgs, si, table } from './harness.js';
import { bufferutil, wsJs, wsNative, type WsInternals } from './peers.js';

const args = parseArgs(process.argv.slice(2));
const options = { rounds: Number(args.get('rounds') ?? 7), sampleMs: Number(args.get('sample-ms') ?? 25) };
const parts = args.has('part') ? [args.get('part')!] : ['mask', 'parse', 'serialize'];
const asJson = args.has('json');
const only = args.get('filter') ?? ''; // run only the cases whose name contains this

const KIB = 1024;
const MIB = 1024 * KIB;
const sizeName = (n: number) => (n >= MIB ? `${n / MIB} MiB` : n >= KIB ? `${n / KIB} KiB` : `${n} B`);
const results: Record<string, CaseResult[]> = {};

// ---- mask ------------------------------------------------------------------

function benchMask(): void {
  const keyBytes = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const key = keyBytes.readInt32LE(0);
  const rows: CaseResult[] = [];
  for (const size of [16, 125, KIB, 16 * KIB, MIB, 16 * MIB]) {
    const source = Buffer.alloc(size, 0x61);
    const target = Buffer.alloc(size);
    const bytes = (fn: () => void) => (reps: number) => () => {
      for (let i = 0; i < reps; i++) fn();
      return reps * size;
    };
    const contenders: Contender[] = [
      { name: 'rfc6455', prepare: bytes(() => maskCopy(source, 0, size, target, 0, key)) },
      { name: 'bufferutil', prepare: bytes(() => bufferutil.mask(source, keyBytes, target, 0, size)) },
      { name: 'ws (JS)', prepare: bytes(() => wsJs.mask(source, keyBytes, target, 0, size)) },
      { name: 'Buffer.copy', prepare: bytes(() => source.copy(target)) },
    ];
    rows.push(compare(sizeName(size), contenders, 'bufferutil', options));
  }
  results['mask'] = rows;
  if (!asJson) {
    console.log('\nmask: GB/s (median), ratio = rfc6455 / peer (median of paired rounds)');
    console.log(table(
      ['size', 'rfc6455', 'bufferutil', 'ws (JS)', 'Buffer.copy', 'vs bufferutil', 'vs ws (JS)', 'vs copy'],
      rows.map((r) => [
        r.case, ...['rfc6455', 'bufferutil', 'ws (JS)', 'Buffer.copy'].map((n) => (r.median[n]! / 1e9).toFixed(2)),
        `${r.ratio['rfc6455']!.toFixed(2)}x`,
        `${(r.ratio['rfc6455']! / r.ratio['ws (JS)']!).toFixed(2)}x`,
        `${(r.ratio['rfc6455']! / r.ratio['Buffer.copy']!).toFixed(2)}x`,
      ]),
    ));
  }
}

// ---- parse -----------------------------------------------------------------

/** A stream of `count` client (masked) messages, cut into 64 KiB chunks. */
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
  for (let at = 0; at < whole.length; at += 64 * KIB) chunks.push(whole.subarray(at, at + 64 * KIB));
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

function benchParse(): void {
  const rows: (CaseResult & { size: number })[] = [];
  for (const size of [16, KIB, 64 * KIB, MIB]) {
    for (const binary of [false, true]) {
      for (const fragments of [1, 4]) {
        const { chunks, messages } = clientStream(size, binary, fragments);
        const name = `${sizeName(size)} ${binary ? 'binary' : 'text'}${fragments > 1 ? ' ×4 frags' : ''}`;
        if (!name.includes(only)) continue;
        rows.push({
          size,
          ...compare(name, [
            rfc6455Parse(chunks, messages),
            wsParse('ws+bufferutil', wsNative, chunks, messages),
            wsParse('ws (JS)', wsJs, chunks, messages),
          ], 'ws+bufferutil', options),
        });
      }
    }
  }
  results['parse'] = rows;
  if (!asJson) {
    console.log('\nparse (server side, masked frames fed in 64 KiB chunks): messages/s and MB/s (median)');
    console.log(table(
      ['case', 'rfc6455 msg/s', 'rfc6455 MB/s', 'ws+bufferutil msg/s', 'ws (JS) msg/s', 'vs ws+bufferutil', 'vs ws (JS)'],
      rows.map((r) => [
        r.case, si(r.median['rfc6455']!), (r.median['rfc6455']! * r.size / 1e6).toFixed(0),
        si(r.median['ws+bufferutil']!), si(r.median['ws (JS)']!),
        `${r.ratio['rfc6455']!.toFixed(2)}x`, `${(r.ratio['rfc6455']! / r.ratio['ws (JS)']!).toFixed(2)}x`,
      ]),
    ));
  }
}

// ---- serialize -------------------------------------------------------------

function benchSerialize(): void {
  const rows: (CaseResult & { size: number })[] = [];
  for (const size of [16, KIB, 64 * KIB, MIB]) {
    for (const binary of [true, false]) {
      const payload: Buffer | string = binary ? Buffer.alloc(size, 0x62) : 'b'.repeat(size);
      const frames = (encode: () => Buffer[]) => (reps: number) => () => {
        let bytes = 0;
        for (let i = 0; i < reps; i++) bytes += encode().length;
        if (bytes === 0) throw new Error('no output');
        return reps;
      };
      const wsOptions = { fin: true, mask: true, opcode: binary ? 2 : 1, readOnly: binary, rsv1: false };
      rows.push({
        size,
        ...compare(`${sizeName(size)} ${binary ? 'binary' : 'text'}`, [
          { name: 'rfc6455', prepare: frames(() => encodeFrame(binary ? Opcode.Binary : Opcode.Text, payload, { mask: true })) },
          { name: 'ws+bufferutil', prepare: frames(() => wsNative.Sender.frame(payload, wsOptions)) },
          { name: 'ws (JS)', prepare: frames(() => wsJs.Sender.frame(payload, wsOptions)) },
        ], 'ws+bufferutil', options),
      });
    }
  }
  results['serialize'] = rows;
  if (!asJson) {
    console.log('\nserialize (client side: masked frame from a Buffer or a string): frames/s (median)');
    console.log(table(
      ['case', 'rfc6455', 'ws+bufferutil', 'ws (JS)', 'vs ws+bufferutil', 'vs ws (JS)'],
      rows.map((r) => [
        r.case, si(r.median['rfc6455']!), si(r.median['ws+bufferutil']!), si(r.median['ws (JS)']!),
        `${r.ratio['rfc6455']!.toFixed(2)}x`, `${(r.ratio['rfc6455']! / r.ratio['ws (JS)']!).toFixed(2)}x`,
      ]),
    ));
  }
}

const machine = await machineLine();
if (!asJson) console.log(`rfc6455 frame benchmark — ${machine}; ${options.rounds} rounds, samples >= ${options.sampleMs} ms`);
for (const part of parts) {
  if (part === 'mask') benchMask();
  else if (part === 'parse') benchParse();
  else if (part === 'serialize') benchSerialize();
  else throw new Error(`unknown part ${part}`);
}
if (asJson) console.log(JSON.stringify({ machine, options, results }, null, 2));
