/**
 * Section 7: the closing handshake (RFC 6455 §5.5.1, §7): frames after a
 * close, close payloads of every length, valid and invalid close codes, an
 * invalid close reason.
 *
 * In this section the close code is what is being tested, so a WRONG CODE
 * closing verdict also fails the behaviour (as the Autobahn suite does).
 */
import { CloseCode } from '../../../frame/close-code.js';
import { Opcode } from '../../../frame/opcode.js';
import { hex, repeated, utf8 } from '../bytes.js';
import type { CaseSpec, ExpectedClose, Step } from '../types.js';
import { close, echo, frame, killAfter, NORMAL_CLOSE, nonStrict, ok, TEXT, type Profile } from './dsl.js';

const HELLO = utf8('Hello World!');
/** The peer must answer with a close (1002) or drop TCP: its reply's cleanliness is not required. */
const ANSWER_WITH_PROTOCOL_ERROR: ExpectedClose = { closedByMe: true, codes: [CloseCode.ProtocolError], requireClean: false };

/** Close codes that RFC 6455 §7.4 allows in a close frame (a sample of each range). */
const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
/** Codes that MUST NOT appear in a close frame (§7.4.1, §7.4.2): unused, reserved, or unassigned. */
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];

/** Section 7. */
export function closeCases(profile: Profile): CaseSpec[] {
  const kill = killAfter(profile.wait(1000));
  const base = { rfc: 'RFC 6455 §5.5.1, §7.1', wrongCodeFails: true } as const;
  const afterClose = (id: string, description: string, expectation: string, steps: Step[]): CaseSpec => ({
    ...base,
    id,
    description,
    expectation,
    steps: [...steps, kill],
    outcomes: [ok('nothing received')],
    close: NORMAL_CLOSE,
  });
  const big = repeated('BAsd7&jh23', 256 * 1024);
  const cases: CaseSpec[] = [
    {
      ...base,
      id: '7.1.1',
      description: 'Send a text message, then (once it is echoed) a close frame.',
      expectation: 'The message is echoed, then a clean close with 1000.',
      steps: [frame(TEXT, HELLO), kill],
      outcomes: [ok('message echoed', echo(HELLO))],
      close: NORMAL_CLOSE,
    },
    afterClose('7.1.2', 'Send a close frame (1000), then a second close frame.',
      'A clean close with 1000; the second close frame is ignored.', [close(CloseCode.NormalClosure), frame(Opcode.Close)]),
    afterClose('7.1.3', 'Send a close frame (1000), then a ping.',
      'A clean close with 1000; the ping is not answered (nothing may follow a close frame).',
      [close(CloseCode.NormalClosure), frame(Opcode.Ping)]),
    afterClose('7.1.4', 'Send a close frame (1000), then a text message.',
      'A clean close with 1000; the message is ignored.', [close(CloseCode.NormalClosure), frame(TEXT, HELLO)]),
    afterClose('7.1.5', 'Send the first fragment of a text message, a close frame (1000), then the last fragment.',
      'A clean close with 1000; the unfinished message is discarded.',
      [frame(TEXT, utf8('fragment1'), { fin: false }), close(CloseCode.NormalClosure), frame(Opcode.Continuation, utf8('fragment2'))]),
    {
      ...base,
      id: '7.1.6',
      wrongCodeFails: false,
      description: 'Send a 256 KiB text message, a short text message, a close frame (1000) and a ping, back to back.',
      expectation: 'Left to the implementation: a peer that processes the close before it has finished writing the ' +
        'echoes may send back nothing, or only part. Reported for information.',
      informational: true,
      steps: [frame(TEXT, big), frame(TEXT, HELLO), close(CloseCode.NormalClosure), frame(Opcode.Ping), kill],
      outcomes: [
        ok('both messages were echoed before the close was processed', echo(big), echo(HELLO)),
        nonStrict('the close was processed before the messages were echoed'),
      ],
      close: NORMAL_CLOSE,
    },
  ];

  const closePayload = (id: string, description: string, expectation: string, step: Step, expected: ExpectedClose): CaseSpec => ({
    ...base,
    id,
    description,
    expectation,
    rfc: 'RFC 6455 §5.5 (≤ 125 bytes), §5.5.1 (code, then UTF-8 reason)',
    steps: [step, kill],
    outcomes: [ok('nothing received')],
    close: expected,
  });
  cases.push(
    closePayload('7.3.1', 'Send a close frame with an empty payload (no code, no reason).',
      'A clean close; the peer answers with 1000 or with no code.', close(), NORMAL_CLOSE),
    closePayload('7.3.2', 'Send a close frame with a 1-byte payload (half a code).',
      'The peer fails the connection: a close with 1002, or it drops TCP.', close(undefined, utf8('a')), ANSWER_WITH_PROTOCOL_ERROR),
    closePayload('7.3.3', 'Send a close frame with code 1000 and no reason.',
      'A clean close with 1000.', close(CloseCode.NormalClosure), NORMAL_CLOSE),
    closePayload('7.3.4', 'Send a close frame with code 1000 and a reason.',
      'A clean close with 1000.', close(CloseCode.NormalClosure, HELLO), NORMAL_CLOSE),
    closePayload('7.3.5', 'Send a close frame with code 1000 and a 123-byte reason (a 125-byte payload, the maximum).',
      'A clean close with 1000.', close(CloseCode.NormalClosure, Buffer.alloc(123, 0x2a)), NORMAL_CLOSE),
    closePayload('7.3.6', 'Send a close frame with code 1000 and a 124-byte reason (a 126-byte payload, one too many).',
      'The peer fails the connection: a close with 1002, or it drops TCP.',
      close(CloseCode.NormalClosure, Buffer.alloc(124, 0x2a)), ANSWER_WITH_PROTOCOL_ERROR),
  );

  const invalidReason = hex('cebae1bdb9cf83cebcceb5 eda080 656469746564');
  cases.push({
    ...base,
    id: '7.5.1',
    description: `Send a close frame with code 1000 and a reason that is not valid UTF-8: 0x${invalidReason.toString('hex')}.`,
    expectation: 'The peer fails the connection: a close with 1002 or 1007, or it drops TCP.',
    rfc: 'RFC 6455 §5.5.1 (the reason is UTF-8), §8.1',
    steps: [close(CloseCode.NormalClosure, invalidReason), kill],
    outcomes: [ok('nothing received')],
    close: { closedByMe: true, codes: [CloseCode.ProtocolError, CloseCode.InvalidPayloadData], requireClean: false },
  });

  VALID_CODES.forEach((code, i) => cases.push({
    ...base,
    id: `7.7.${i + 1}`,
    description: `Send a close frame with the valid code ${code}.`,
    expectation: `A clean close; the peer answers with 1000 or echoes ${code}.`,
    rfc: 'RFC 6455 §7.4 (status codes)',
    steps: [close(code), kill],
    outcomes: [ok('nothing received')],
    close: { closedByMe: true, codes: [CloseCode.NormalClosure, code], requireClean: true },
  }));

  INVALID_CODES.forEach((code, i) => cases.push({
    ...base,
    id: `7.9.${i + 1}`,
    description: `Send a close frame with the invalid code ${code}.`,
    expectation: 'The peer fails the connection: a close with 1002, or it drops TCP.',
    rfc: 'RFC 6455 §7.4.1 (1004–1006 and 1015 MUST NOT be sent), §7.4.2 (0–999 unused, 1016–2999 reserved)',
    steps: [close(code), kill],
    outcomes: [ok('nothing received')],
    close: ANSWER_WITH_PROTOCOL_ERROR,
  }));

  [5000, 65535].forEach((code, i) => cases.push({
    id: `7.13.${i + 1}`,
    description: `Send a close frame with the code ${code}, outside every range RFC 6455 defines.`,
    expectation: 'Left open by the RFC; reported for information.',
    rfc: 'RFC 6455 §7.4.2 (ranges 0–4999 only)',
    informational: true,
    steps: [close(code), kill],
    outcomes: [ok('nothing received')],
    close: { closedByMe: true, codes: [CloseCode.NormalClosure, code, CloseCode.ProtocolError], requireClean: false },
  }));
  return cases;
}
