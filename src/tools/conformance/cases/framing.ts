/**
 * Sections 1–4: framing, pings and pongs, reserved bits, reserved opcodes.
 *
 * Every case here follows the numbering and intent of the Autobahn|Testsuite
 * (`wstest`) cases of the same id; payloads are the ones those cases send.
 */
import { CloseCode } from '../../../frame/close-code.js';
import { Opcode } from '../../../frame/opcode.js';
import { hex, repeated, utf8 } from '../bytes.js';
import type { CaseSpec, ReceivedEvent } from '../types.js';
import {
  BINARY, closeAfter, echo, frame, killAfter, NORMAL_CLOSE, nonStrict, ok, peerFails, pong, TEXT, type Profile,
} from './dsl.js';

const HELLO = utf8('Hello, world!');
const BINARY_PING = hex('00 ff fe fd fc fb 00 ff');
const RESERVED_PAYLOAD = utf8('reserved opcode payload');
const PROTOCOL_ERROR = peerFails(CloseCode.ProtocolError);

/** Section 1: text and binary messages of lengths around the 7-, 16- and 64-bit length encodings (RFC 6455 §5.2). */
function section1(profile: Profile): CaseSpec[] {
  const cases: CaseSpec[] = [];
  const lengths = [0, 125, 126, 127, 128, 65535, 65536];
  for (const [sub, opcode, kind, fill] of [[1, TEXT, 'text', '*'], [2, BINARY, 'binary', hex('fe')]] as const) {
    const binary = opcode === BINARY;
    lengths.forEach((length, i) => {
      const payload = repeated(fill, length);
      cases.push({
        id: `1.${sub}.${i + 1}`,
        description: `Send a ${kind} message with a payload of ${length} bytes in one frame.`,
        expectation: `The ${kind} message is echoed back unchanged, then a clean close with 1000.`,
        rfc: 'RFC 6455 §5.2 (payload length encodings), §5.6',
        steps: [frame(opcode, payload), killAfter(profile.wait(length > 128 ? 10_000 : 1000))],
        outcomes: [ok('echo received', echo(payload, binary))],
        close: NORMAL_CLOSE,
      });
    });
    const payload = repeated(fill, 65536);
    cases.push({
      id: `1.${sub}.8`,
      description: `Send a ${kind} message with a payload of 65536 bytes, written to the socket in chops of 997 bytes.`,
      expectation: `The ${kind} message is echoed back unchanged, then a clean close with 1000.`,
      rfc: 'RFC 6455 §5.2; a frame may arrive in any number of TCP reads',
      steps: [frame(opcode, payload, { chop: 997 }), killAfter(profile.wait(10_000))],
      outcomes: [ok('echo received', echo(payload, binary))],
      close: NORMAL_CLOSE,
    });
  }
  return cases;
}

/**
 * RFC 6455 §5.5.3 lets an endpoint that got several pings answer only the most
 * recent one. A peer that does so (pongs for a subsequence of the pings, in
 * order, ending with the last ping) is conformant but not what the case prefers.
 */
function coalescedPongs(payloads: readonly Buffer[]): (received: readonly ReceivedEvent[]) => boolean {
  return (received) => {
    if (received.length === 0) return false;
    let next = 0;
    for (const event of received) {
      if (event.type !== 'pong') return false;
      while (next < payloads.length && !payloads[next]!.equals(event.payload)) next++;
      if (next === payloads.length) return false;
      next++;
    }
    const last = received[received.length - 1]!;
    return last.type === 'pong' && last.payload.equals(payloads[payloads.length - 1]!);
  };
}

/** Section 2: pings and pongs (RFC 6455 §5.5.2, §5.5.3). */
function section2(profile: Profile): CaseSpec[] {
  const rfc = 'RFC 6455 §5.5.2 (a ping MUST be answered with a pong carrying the same payload)';
  const pingCase = (id: string, what: string, payload: Buffer, chop?: number): CaseSpec => ({
    id,
    description: `Send a ping with ${what}${chop === undefined ? '' : ', written one octet at a time'}.`,
    expectation: 'A pong with the same payload comes back, then a clean close with 1000.',
    rfc,
    steps: [frame(Opcode.Ping, payload, chop === undefined ? {} : { chop }), closeAfter(profile.wait(chop === undefined ? 1000 : 2000))],
    outcomes: [ok('pong received', pong(payload))],
    close: NORMAL_CLOSE,
  });
  const pings = Array.from({ length: 10 }, (_, i) => utf8(`payload-${i}`));
  const tenPings = (id: string, chop?: number): CaseSpec => ({
    id,
    description: `Send 10 pings with payloads payload-0 … payload-9${chop === undefined ? '' : ', written one octet at a time'}.`,
    expectation: 'A pong for every ping, in order. Answering only the most recent of several pings is allowed ' +
      '(RFC 6455 §5.5.3), and counts as NON-STRICT. Then a clean close with 1000.',
    rfc: 'RFC 6455 §5.5.2, §5.5.3',
    steps: [...pings.map((p) => frame(Opcode.Ping, p, chop === undefined ? {} : { chop })), closeAfter(profile.wait(3000))],
    outcomes: [
      ok('a pong for every ping', ...pings.map((p) => pong(p))),
      { verdict: 'NON-STRICT', note: 'pongs for only some of the pings, ending with the last (RFC 6455 §5.5.3)', matches: coalescedPongs(pings) },
    ],
    close: NORMAL_CLOSE,
  });
  const unsolicited = utf8('unsolicited pong payload');
  return [
    pingCase('2.1', 'no payload', Buffer.alloc(0)),
    pingCase('2.2', 'a short text payload', HELLO),
    pingCase('2.3', 'a short binary payload (not UTF-8)', BINARY_PING),
    pingCase('2.4', 'a 125-byte binary payload (the most a control frame may carry)', Buffer.alloc(125, 0xfe)),
    {
      id: '2.5',
      description: 'Send a ping with a 126-byte payload.',
      expectation: 'The peer fails the connection with 1002: control frames carry at most 125 bytes.',
      rfc: 'RFC 6455 §5.5 (control frame payload ≤ 125 bytes)',
      steps: [frame(Opcode.Ping, Buffer.alloc(126, 0xfe)), killAfter(profile.wait(1000))],
      outcomes: [ok('no pong; the connection is failed')],
      close: PROTOCOL_ERROR,
    },
    pingCase('2.6', 'a 125-byte binary payload', Buffer.alloc(125, 0xfe), 1),
    {
      id: '2.7',
      description: 'Send an unsolicited pong without payload.',
      expectation: 'Nothing comes back; then a clean close with 1000.',
      rfc: 'RFC 6455 §5.5.3 (an unsolicited pong is a heartbeat; no response is expected)',
      steps: [frame(Opcode.Pong), closeAfter(profile.wait(1000))],
      outcomes: [ok('nothing received')],
      close: NORMAL_CLOSE,
    },
    {
      id: '2.8',
      description: 'Send an unsolicited pong with a payload.',
      expectation: 'Nothing comes back; then a clean close with 1000.',
      rfc: 'RFC 6455 §5.5.3',
      steps: [frame(Opcode.Pong, unsolicited), closeAfter(profile.wait(1000))],
      outcomes: [ok('nothing received')],
      close: NORMAL_CLOSE,
    },
    {
      id: '2.9',
      description: 'Send an unsolicited pong with a payload, then a ping with a payload.',
      expectation: 'Only the pong answering the ping comes back; then a clean close with 1000.',
      rfc: 'RFC 6455 §5.5.2, §5.5.3',
      steps: [frame(Opcode.Pong, unsolicited), frame(Opcode.Ping, utf8('ping payload')), closeAfter(profile.wait(1000))],
      outcomes: [ok('pong for the ping only', pong(utf8('ping payload')))],
      close: NORMAL_CLOSE,
    },
    tenPings('2.10'),
    tenPings('2.11', 1),
  ];
}

/** Section 3: reserved bits (RFC 6455 §5.2: RSV1–3 MUST be 0 unless an extension defines them). */
function section3(profile: Profile): CaseSpec[] {
  const rfc = 'RFC 6455 §5.2 (non-zero RSV bits without a negotiated extension MUST fail the connection)';
  const alone = (id: string, what: string, step: ReturnType<typeof frame>): CaseSpec => ({
    id,
    description: `Send ${what} with RSV = ${step.rsv}.`,
    expectation: 'The peer fails the connection with 1002.',
    rfc,
    steps: [step, killAfter(profile.wait(1000))],
    outcomes: [ok('nothing received; the connection is failed')],
    close: PROTOCOL_ERROR,
  });
  const afterEcho = (id: string, rsv: number, how: string, options: { sync?: boolean; chop?: number }): CaseSpec => ({
    id,
    description: `Send a small text message, then the same message with RSV = ${rsv}, then a ping${how}.`,
    expectation: 'The first message is echoed, then the peer fails the connection with 1002; the ping is not answered. ' +
      'A peer that fails before echoing the first message is NON-STRICT.',
    rfc,
    steps: [
      frame(TEXT, HELLO, options), frame(TEXT, HELLO, { ...options, rsv }), frame(Opcode.Ping, Buffer.alloc(0), options),
      killAfter(profile.wait(1000)),
    ],
    outcomes: [ok('echo of the first message only', echo(HELLO)), nonStrict('failed before echoing the first message')],
    close: PROTOCOL_ERROR,
  });
  return [
    alone('3.1', 'a small text message', frame(TEXT, HELLO, { rsv: 1 })),
    afterEcho('3.2', 2, '', {}),
    afterEcho('3.3', 3, ', each frame written separately', { sync: true }),
    afterEcho('3.4', 4, ', written one octet at a time', { chop: 1 }),
    alone('3.5', 'a small binary message', frame(BINARY, BINARY_PING, { rsv: 5 })),
    alone('3.6', 'a ping with payload', frame(Opcode.Ping, HELLO, { rsv: 6 })),
    alone('3.7', 'a close frame', frame(Opcode.Close, Buffer.alloc(0), { rsv: 7 })),
  ];
}

/** Section 4: reserved opcodes 3–7 (data) and 11–15 (control) (RFC 6455 §5.2). */
function section4(profile: Profile): CaseSpec[] {
  const cases: CaseSpec[] = [];
  for (const [sub, kind, first] of [[1, 'non-control', 3], [2, 'control', 11]] as const) {
    for (let i = 0; i < 5; i++) {
      const opcode = first + i;
      const payload = i === 0 || i === 2 ? Buffer.alloc(0) : RESERVED_PAYLOAD;
      const withPayload = payload.length > 0 ? ' with a payload' : '';
      const rfc = 'RFC 6455 §5.2 (an unknown opcode MUST fail the connection)';
      if (i < 2) {
        cases.push({
          id: `4.${sub}.${i + 1}`,
          description: `Send a frame with the reserved ${kind} opcode ${opcode}${withPayload}.`,
          expectation: 'The peer fails the connection with 1002.',
          rfc,
          steps: [frame(opcode, payload), killAfter(profile.wait(1000))],
          outcomes: [ok('nothing received; the connection is failed')],
          close: PROTOCOL_ERROR,
        });
      } else {
        cases.push({
          id: `4.${sub}.${i + 1}`,
          description: `Send a small text message, then a frame with the reserved ${kind} opcode ${opcode}${withPayload}, then a ping.`,
          expectation: 'The message is echoed, then the peer fails the connection with 1002; the ping is not answered. ' +
            'A peer that fails before echoing the message is NON-STRICT.',
          rfc,
          steps: [frame(TEXT, HELLO), frame(opcode, payload), frame(Opcode.Ping), killAfter(profile.wait(1000))],
          outcomes: [ok('echo of the message only', echo(HELLO)), nonStrict('failed before echoing the message')],
          close: PROTOCOL_ERROR,
        });
      }
    }
  }
  return cases;
}

/** Sections 1–4. */
export function framingCases(profile: Profile): CaseSpec[] {
  return [...section1(profile), ...section2(profile), ...section3(profile), ...section4(profile)];
}
