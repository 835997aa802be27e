/**
 * Section 9 (limits and performance: big messages, many fragments, small
 * writes, many round trips) and section 10 (misc: auto-fragmentation).
 *
 * The quick profile divides the sizes by 16 (16 MiB becomes 1 MiB) and sends
 * a quarter of the round-trip messages; case ids stay the same and the
 * descriptions say what was actually sent.
 */
import { hex, repeated } from '../bytes.js';
import type { CaseSpec } from '../types.js';
import { BINARY, closeAfter, echo, frame, killAfter, message, NORMAL_CLOSE, ok, TEXT, type Profile } from './dsl.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const TEXT_PATTERN = 'BAsd7&jh23';
const BINARY_PATTERN = hex('00fe23faf0');

function size(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}

/** Generous deadline for echoing `bytes`: 10 s per MiB, at least 10 s. */
function deadlineFor(bytes: number): number {
  return Math.max(10_000, Math.ceil(bytes / MiB) * 10_000);
}

const common = {
  rfc: 'RFC 6455 §5.2, §5.4 (no limit on message size or fragment count is set by the protocol)',
  close: NORMAL_CLOSE,
  reportTime: true,
  quietWireLog: true,
} as const;

/** Section 9. */
function section9(profile: Profile): CaseSpec[] {
  const cases: CaseSpec[] = [];
  const kinds = [
    { opcode: TEXT, kind: 'text', binary: false, pattern: TEXT_PATTERN as string | Buffer },
    { opcode: BINARY, kind: 'binary', binary: true, pattern: BINARY_PATTERN as string | Buffer },
  ] as const;

  // 9.1 / 9.2: one big message in one frame.
  kinds.forEach(({ opcode, kind, binary, pattern }, k) => {
    [64 * KiB, 256 * KiB, MiB, 4 * MiB, 8 * MiB, 16 * MiB].forEach((full, i) => {
      const length = profile.size(full);
      const payload = repeated(pattern, length);
      cases.push({
        ...common,
        id: `9.${1 + k}.${i + 1}`,
        description: `Send a ${kind} message of ${size(length)} in one frame${length === full ? '' : ` (quick run; ${size(full)} in a full run)`}.`,
        expectation: `The ${kind} message is echoed unchanged; then a clean close with 1000.`,
        steps: [frame(opcode, payload), closeAfter(profile.wait(deadlineFor(full)))],
        outcomes: [ok('message echoed', echo(payload, binary))],
      });
    });
  });

  // 9.3 / 9.4: a 4 MiB message in fragments of 64 bytes to 4 MiB.
  kinds.forEach(({ opcode, kind, binary }, k) => {
    const full = 4 * MiB;
    const length = profile.size(full);
    const payload = repeated(binary ? hex('fe') : '*', length);
    [64, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB].forEach((fragmentSize, i) => {
      cases.push({
        ...common,
        id: `9.${3 + k}.${i + 1}`,
        description: `Send a ${kind} message of ${size(length)} in fragments of ${size(fragmentSize)}` +
          `${length === full ? '' : ` (quick run; ${size(full)} in a full run)`}.`,
        expectation: `The ${kind} message is reassembled and echoed unchanged; then a clean close with 1000.`,
        steps: [message(opcode, payload, { fragmentSize }), closeAfter(profile.wait(100_000))],
        outcomes: [ok('message echoed', echo(payload, binary))],
      });
    });
  });

  // 9.5 / 9.6: a 1 MiB message in one frame, written in small chops.
  kinds.forEach(({ opcode, kind, binary, pattern }, k) => {
    const full = MiB;
    const length = profile.size(full);
    const payload = repeated(pattern, length);
    [64, 128, 256, 512, 1024, 2048].forEach((chop, i) => {
      cases.push({
        ...common,
        id: `9.${5 + k}.${i + 1}`,
        description: `Send a ${kind} message of ${size(length)} in one frame, written to the socket in chops of ${chop} bytes` +
          `${length === full ? '' : ` (quick run; ${size(full)} in a full run)`}.`,
        expectation: `The ${kind} message is echoed unchanged; then a clean close with 1000.`,
        steps: [frame(opcode, payload, { chop }), closeAfter(profile.wait(100_000))],
        outcomes: [ok('message echoed', echo(payload, binary))],
      });
    });
  });

  // 9.7 / 9.8: many small messages, each sent once the previous one is echoed (round-trip time).
  kinds.forEach(({ opcode, kind, binary }, k) => {
    const count = profile.count(1000);
    [[0, 60], [16, 60], [64, 60], [256, 120], [1024, 240], [4096, 480]].forEach(([length, seconds], i) => {
      const payload = repeated(binary ? hex('fe') : '*', length!);
      cases.push({
        ...common,
        id: `9.${7 + k}.${i + 1}`,
        description: `Send ${count} ${kind} messages of ${size(length!)}, one at a time, each after the previous echo ` +
          `arrived${count === 1000 ? '' : ' (quick run; 1000 in a full run)'}.`,
        expectation: `Every message is echoed unchanged within ${seconds} s; then a clean close with 1000.`,
        steps: [{ op: 'echo-loop', opcode, payload, count }, closeAfter(profile.wait(seconds! * 1000))],
        outcomes: [ok(`all ${count} messages echoed`, ...Array.from({ length: count }, () => echo(payload, binary)))],
      });
    });
  });
  return cases;
}

/** Section 10. */
function section10(profile: Profile): CaseSpec[] {
  const payload = repeated('*', 65536);
  return [{
    id: '10.1.1',
    description: 'Send a text message of 64 KiB fragmented into frames of 1300 bytes (51 frames).',
    expectation: 'The message is reassembled and echoed unchanged; then a clean close with 1000.',
    rfc: 'RFC 6455 §5.4',
    steps: [message(TEXT, payload, { fragmentSize: 1300 }), killAfter(profile.wait(10_000))],
    outcomes: [ok('message echoed', echo(payload))],
    close: NORMAL_CLOSE,
  }];
}

/** Sections 9 and 10. */
export function performanceCases(profile: Profile): CaseSpec[] {
  return [...section9(profile), ...section10(profile)];
}
