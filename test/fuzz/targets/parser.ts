/**
 * Fuzz target `parser`: the pure FrameParser, in both roles, with and
 * without allowRsv1, fed mutated traffic whole and in random chunks. Each
 * run must agree with the reference receiver event for event (messages byte
 * for byte, pings, pongs, compressed payloads) and end the same way — close
 * code and reason, or the one protocol error with the expected close code —
 * and report nothing after its end.
 */
import assert from 'node:assert/strict';
import { FrameParser } from '../../../src/frame/parser.js';
import { prng } from '../../support/frame-events.js';
import { mutate, randomChunks } from '../../support/frame-mutator.js';
import { isUtf8Text, referenceReceive, type ReferenceEnd } from '../../support/reference-receiver.js';
import { DeflateSender, generateTraffic } from '../../support/traffic.js';
import { endLabel } from '../compare.js';
import type { FuzzTarget } from '../harness.js';

const MAX_PAYLOAD = 64 * 1024;

type Seen = { events: string[]; end: ReferenceEnd | { kind: 'error'; closeCode: number } };

/** Parse `chunks` (copied: the parser unmasks in place), merging compressed pieces into messages. */
function parse(role: 'client' | 'server', allowRsv1: boolean, chunks: readonly Buffer[]): Seen {
  const events: string[] = [];
  let end: Seen['end'] = { kind: 'incomplete' };
  let ended = false;
  let pieces: Buffer[] = [];
  const after = (what: string) => assert.ok(!ended, `parser reported ${what} after its end`);
  const parser = new FrameParser({ role, maxPayload: MAX_PAYLOAD, allowRsv1 }, {
    onMessage: (data, binary) => {
      after('a message');
      assert.ok(data.length <= MAX_PAYLOAD, 'message over maxPayload delivered');
      if (!binary) assert.ok(isUtf8Text(data), 'invalid UTF-8 text delivered');
      events.push(`message ${binary ? 'binary' : 'text'} ${data.toString('hex')}`);
    },
    onPing: (payload) => {
      after('a ping');
      events.push(`ping ${payload.toString('hex')}`);
    },
    onPong: (payload) => {
      after('a pong');
      events.push(`pong ${payload.toString('hex')}`);
    },
    onClose: (code, reason) => {
      after('a close');
      ended = true;
      end = { kind: 'close', code, reason };
    },
    onError: (error) => {
      after('an error');
      ended = true;
      end = { kind: 'error', closeCode: error.closeCode };
    },
    onCompressedData: (data, binary, _first, last) => {
      after('compressed data');
      pieces.push(Buffer.from(data));
      if (last) {
        events.push(`message ${binary ? 'binary' : 'text'} ${Buffer.concat(pieces).toString('hex')} compressed`);
        pieces = [];
      }
    },
  });
  for (const chunk of chunks) parser.push(Buffer.from(chunk));
  return { events, end };
}

export function parserTarget(): FuzzTarget {
  return {
    name: 'parser',
    description: 'FrameParser (both roles, allowRsv1 on/off) vs the reference receiver, whole and in random chunks',
    memory: { rssMiB: 1024, heapGrowthMiB: 32 },
    caseTimeoutMs: 10_000,
    generate(seed, options) {
      const random = prng(seed);
      const role = random() < 0.5 ? 'server' : 'client';
      const allowRsv1 = random() < 0.4;
      const deflate = allowRsv1 ? { deflate: new DeflateSender(random() < 0.5), bfinal: options.bfinal } : {};
      const clean = generateTraffic(random, { masked: role === 'server', ...deflate });
      const bytes = random() < 0.9 ? mutate(random, clean) : clean;
      return { seed, bytes, meta: { role, allowRsv1, chunkSeed: Math.floor(random() * 2 ** 32) } };
    },
    check(input) {
      const role = input.meta['role'] as 'client' | 'server';
      const allowRsv1 = input.meta['allowRsv1'] as boolean;
      const expected = referenceReceive(input.bytes, { role, maxPayload: MAX_PAYLOAD, rsv1: allowRsv1 ? 'raw' : 'reject' });
      const expectedEvents = expected.events.map((e) =>
        e.type === 'message' ? `message ${e.binary ? 'binary' : 'text'} ${e.data.toString('hex')}${e.compressed ? ' compressed' : ''}` : `${e.type} ${e.data.toString('hex')}`);
      const runs: [string, Buffer[]][] = [
        ['whole', [input.bytes]],
        ['random chunks', randomChunks(prng(input.meta['chunkSeed'] as number), input.bytes)],
      ];
      for (const [how, chunks] of runs) {
        const seen = parse(role, allowRsv1, chunks);
        const what = `${role} parser${allowRsv1 ? ' (allowRsv1)' : ''}, ${how}`;
        assert.deepEqual(seen.events, expectedEvents, `${what}: events differ from the reference`);
        const end = expected.end;
        if (end.kind === 'fail') {
          assert.ok(seen.end.kind === 'error', `${what}: expected a protocol error (${end.why}), got ${seen.end.kind}`);
          assert.ok(end.codes.includes(seen.end.closeCode), `${what}: close code ${seen.end.closeCode}, expected ${end.codes.join('|')} (${end.why})`);
        } else {
          assert.deepEqual(seen.end, end, `${what}: ending differs from the reference`);
        }
      }
      return `${role}${allowRsv1 ? '+rsv1' : ''} ${endLabel(expected.end)}`;
    },
  };
}
