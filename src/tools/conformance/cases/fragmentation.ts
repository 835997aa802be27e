/**
 * Section 5: fragmentation (RFC 6455 §5.4): fragmented messages, control
 * frames between fragments, fragmented control frames, continuation frames
 * with nothing to continue.
 *
 * Variants of one case differ only in how the octets are chopped on the wire
 * (one write, one write per frame, one write per octet): a conformant peer is
 * agnostic to that.
 */
import { CloseCode } from '../../../frame/close-code.js';
import { Opcode } from '../../../frame/opcode.js';
import { utf8 } from '../bytes.js';
import type { CaseSpec, SendOptions, Step } from '../types.js';
import { closeAfter, echo, frame, killAfter, NORMAL_CLOSE, nonStrict, ok, peerFails, pong, TEXT, timeout, wait, type Profile } from './dsl.js';

const CONTINUATION = Opcode.Continuation;
const F = [1, 2, 3, 4, 5].map((n) => utf8(`fragment${n}`)) as [Buffer, Buffer, Buffer, Buffer, Buffer];
const PROTOCOL_ERROR = peerFails(CloseCode.ProtocolError);

/** The three chopping variants, as Autobahn numbers them. */
const CHOPPINGS: readonly { readonly how: string; readonly options: SendOptions }[] = [
  { how: 'in one write', options: {} },
  { how: 'one write per frame', options: { sync: true } },
  { how: 'one octet per write', options: { chop: 1 } },
];

function variants(first: number, make: (id: string, how: string, options: SendOptions) => CaseSpec): CaseSpec[] {
  return CHOPPINGS.map(({ how, options }, i) => make(`5.${first + i}`, how, options));
}

/** 5.19/5.20: a fragmented message with pings between fragments and a pause in the middle. */
function pingsDuringMessage(id: string, options: SendOptions, profile: Profile): CaseSpec {
  const pings = [utf8('pongme 1!'), utf8('pongme 2!')] as const;
  const steps: Step[] = [
    frame(TEXT, F[0], { ...options, fin: false }),
    frame(CONTINUATION, F[1], { ...options, fin: false }),
    frame(Opcode.Ping, pings[0], options),
    wait(profile.wait(1000), 'A'),
    frame(CONTINUATION, F[2], { ...options, fin: false }),
    frame(CONTINUATION, F[3], { ...options, fin: false }),
    frame(Opcode.Ping, pings[1], options),
    frame(CONTINUATION, F[4], options),
    closeAfter(profile.wait(1000)),
  ];
  const whole = Buffer.concat(F);
  return {
    id,
    description: 'Send a text message in 5 fragments: 2 fragments and a ping, then a pause, then 2 more fragments, ' +
      `another ping and the last fragment${options.sync === true ? ', each frame written separately' : ''}.`,
    expectation: 'The first ping is answered during the pause, before the message is complete; then the second pong ' +
      'and the whole message come back. A first pong only after the pause is NON-STRICT (RFC 6455 §5.5.2: respond ' +
      '"as soon as is practical"). Then a clean close with 1000.',
    rfc: 'RFC 6455 §5.4 (control frames may be injected between fragments), §5.5.2',
    steps,
    outcomes: [
      ok('first pong during the pause, then the second pong and the message',
        pong(pings[0]), timeout('A'), pong(pings[1]), echo(whole)),
      nonStrict('first pong only after the pause', timeout('A'), pong(pings[0]), pong(pings[1]), echo(whole)),
    ],
    close: NORMAL_CLOSE,
  };
}

/** Section 5. */
export function fragmentationCases(profile: Profile): CaseSpec[] {
  const kill = killAfter(profile.wait(1000));
  const fragmentedControl = (id: string, opcode: number, name: string): CaseSpec => ({
    id,
    description: `Send a ${name} fragmented into 2 frames.`,
    expectation: 'The peer fails the connection with 1002: control frames MUST NOT be fragmented.',
    rfc: 'RFC 6455 §5.5 (control frames MUST NOT be fragmented)',
    steps: [frame(opcode, F[0], { fin: false }), frame(CONTINUATION, F[1]), kill],
    outcomes: [ok('nothing received; the connection is failed')],
    close: PROTOCOL_ERROR,
  });
  const noMessageToContinue = (fin: boolean) => (id: string, how: string, options: SendOptions): CaseSpec => ({
    id,
    description: `Send a continuation frame with FIN = ${fin} while no message is in progress, then a whole text message; ${how}.`,
    expectation: 'The peer fails the connection with 1002: there is no message to continue.',
    rfc: 'RFC 6455 §5.4 (a continuation frame must follow a non-final data frame)',
    steps: [
      frame(CONTINUATION, utf8('non-continuation payload'), { ...options, fin }),
      frame(TEXT, utf8('Hello, world!'), options),
      kill,
    ],
    outcomes: [ok('nothing received; the connection is failed')],
    close: PROTOCOL_ERROR,
  });
  const repeatedBadStart = (id: string, fin: boolean): CaseSpec => {
    const round = [frame(CONTINUATION, F[0], { fin }), frame(TEXT, F[1], { fin: false }), frame(CONTINUATION, F[2])];
    return {
      id,
      description: `Twice: a continuation frame with FIN = ${fin} while no message is in progress, then a text message in 2 fragments.`,
      expectation: 'The peer fails the connection with 1002 at the first frame: there is no message to continue.',
      rfc: 'RFC 6455 §5.4',
      steps: [...round, ...round, kill],
      outcomes: [ok('nothing received; the connection is failed')],
      close: PROTOCOL_ERROR,
    };
  };
  return [
    fragmentedControl('5.1', Opcode.Ping, 'ping'),
    fragmentedControl('5.2', Opcode.Pong, 'pong'),
    ...variants(3, (id, how, options) => ({
      id,
      description: `Send a text message in 2 fragments, ${how}.`,
      expectation: 'The message is reassembled and echoed; then a clean close with 1000.',
      rfc: 'RFC 6455 §5.4 (fragmentation)',
      steps: [frame(TEXT, F[0], { ...options, fin: false }), frame(CONTINUATION, F[1], options), closeAfter(profile.wait(1000))],
      outcomes: [ok('message echoed', echo(Buffer.concat([F[0], F[1]])))],
      close: NORMAL_CLOSE,
    })),
    ...variants(6, (id, how, options) => ({
      id,
      description: `Send a text message in 2 fragments with a ping between them, ${how}.`,
      expectation: 'The pong comes first, then the echoed message; then a clean close with 1000.',
      rfc: 'RFC 6455 §5.4 (control frames in the middle of a fragmented message), §5.5.2',
      steps: [
        frame(TEXT, F[0], { ...options, fin: false }),
        frame(Opcode.Ping, utf8('ping payload'), options),
        frame(CONTINUATION, F[1], options),
        closeAfter(profile.wait(1000)),
      ],
      outcomes: [ok('pong, then the message', pong(utf8('ping payload')), echo(Buffer.concat([F[0], F[1]])))],
      close: NORMAL_CLOSE,
    })),
    ...variants(9, noMessageToContinue(true)),
    ...variants(12, noMessageToContinue(false)),
    {
      id: '5.15',
      description: 'Send a text message in 2 fragments, then a continuation frame with FIN = false while no message ' +
        'is in progress, then a whole text message, in one write.',
      expectation: 'The first message is echoed, then the peer fails the connection with 1002. A peer that fails ' +
        'before echoing the first message is NON-STRICT.',
      rfc: 'RFC 6455 §5.4',
      steps: [
        frame(TEXT, F[0], { fin: false }), frame(CONTINUATION, F[1]),
        frame(CONTINUATION, F[2], { fin: false }), frame(TEXT, F[3]),
        kill,
      ],
      outcomes: [ok('echo of the first message only', echo(Buffer.concat([F[0], F[1]]))), nonStrict('failed before echoing')],
      close: PROTOCOL_ERROR,
    },
    repeatedBadStart('5.16', false),
    repeatedBadStart('5.17', true),
    {
      id: '5.18',
      description: 'Send a text message in 2 fragments where the second frame also has the text opcode.',
      expectation: 'The peer fails the connection with 1002: frames after the first must be continuation frames.',
      rfc: 'RFC 6455 §5.4',
      steps: [frame(TEXT, F[0], { fin: false }), frame(TEXT, F[1]), kill],
      outcomes: [ok('nothing received; the connection is failed')],
      close: PROTOCOL_ERROR,
    },
    pingsDuringMessage('5.19', {}, profile),
    pingsDuringMessage('5.20', { sync: true }, profile),
  ];
}
