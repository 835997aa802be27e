/**
 * Section 6: UTF-8 handling (RFC 6455 §5.6, §8.1; RFC 3629).
 *
 * 6.1–6.4 send text in fragments and chops, including the fail-fast cases
 * 6.4.x: an endpoint MUST fail the connection when a text message is not valid
 * UTF-8 (§8.1), and the suite prefers that it does so as soon as the bytes
 * received so far cannot be valid, not only at the end of the message. An
 * endpoint that waits for the end is still conformant: NON-STRICT.
 *
 * 6.5–6.23 are the classic UTF-8 decoder stress vectors (Markus Kuhn's
 * UTF-8-test.txt, grouped as the Autobahn suite groups them), each sent as one
 * text message. Validity is written down per vector from RFC 3629 §4, not
 * computed by any implementation.
 */
import { CloseCode } from '../../../frame/close-code.js';
import { Opcode } from '../../../frame/opcode.js';
import { hex, utf8 } from '../bytes.js';
import type { CaseSpec } from '../types.js';
import {
  echo, frame, frameData, frameStart, killAfter, message, NORMAL_CLOSE, nonStrict, ok, peerFails, TEXT, timeout, wait,
  type Profile,
} from './dsl.js';

const INVALID_PAYLOAD = peerFails(CloseCode.InvalidPayloadData);
const RULE = 'RFC 6455 §8.1 (text MUST be valid UTF-8), RFC 3629 §4';

/** One vector: hex bytes, prefixed by `!` when they are NOT valid UTF-8. */
type Vector = string;

/** Subsections 6.5–6.23: title and vectors. */
export const UTF8_VECTORS: readonly (readonly [title: string, vectors: readonly Vector[]])[] = [
  ['Valid UTF-8 text', [
    '68656c6c6f24776f726c64', // hello$world (U+0024)
    '68656c6c6fc2a2776f726c64', // U+00A2
    '68656c6c6fe282ac776f726c64', // U+20AC
    '68656c6c6ff0a4ada2776f726c64', // U+24B62
    'cebae1bdb9cf83cebcceb5', // κόσμε
  ]],
  // Every prefix of κόσμε: valid exactly when it ends on a code point boundary.
  ['Prefixes of a valid string with multi-byte code points', [
    '!ce', 'ceba', '!cebae1', '!cebae1bd', 'cebae1bdb9', '!cebae1bdb9cf', 'cebae1bdb9cf83', '!cebae1bdb9cf83ce',
    'cebae1bdb9cf83cebc', '!cebae1bdb9cf83cebcce', 'cebae1bdb9cf83cebcceb5',
  ]],
  ['First possible sequence of each length', ['00', 'c280', 'e0a080', 'f0908080']],
  // 5- and 6-byte forms of the old integer encoding: not UTF-8 (RFC 3629 ends at 4 bytes, U+10FFFF).
  ['First possible 5- and 6-byte sequences', ['!f888808080', '!fc8480808080']],
  ['Last possible sequence of each length', ['7f', 'dfbf', 'efbfbf', 'f48fbfbf']],
  ['Last possible 4-, 5- and 6-byte sequences of the old encoding (above U+10FFFF)', ['!f7bfbfbf', '!fbbfbfbfbf', '!fdbfbfbfbfbf']],
  ['Other boundary conditions', ['ed9fbf', 'ee8080', 'efbfbd', 'f48fbfbf', '!f4908080']],
  ['Unexpected continuation bytes', [
    '!80', '!bf', '!80bf', '!80bf80', '!80bf80bf', '!80bf80bf80', '!80bf80bf80bf',
    `!${range(0x80, 0xbf).join('')}`, // every continuation byte 0x80–0xBE
  ]],
  // Each possible lead byte of a group, alone, followed by a space.
  ['Lonely start bytes', [
    `!${range(0xc0, 0xdf).map((b) => `${b}20`).join('')}`,
    `!${range(0xe0, 0xef).map((b) => `${b}20`).join('')}`,
    `!${range(0xf0, 0xf7).map((b) => `${b}20`).join('')}`,
    `!${range(0xf8, 0xfb).map((b) => `${b}20`).join('')}`,
    `!${range(0xfc, 0xfd).map((b) => `${b}20`).join('')}`,
  ]],
  ['Sequences with the last continuation byte missing', [
    '!c0', '!e080', '!f08080', '!f8808080', '!fc80808080', '!df', '!efbf', '!f7bfbf', '!fbbfbfbf', '!fdbfbfbfbf',
  ]],
  ['Concatenation of incomplete sequences', ['!c0e080f08080f8808080fc80808080dfefbff7bfbffbbfbfbffdbfbfbfbf']],
  ['Impossible bytes', ['!fe', '!ff', '!fefeffff']],
  ['Overlong forms of "/"', ['!c0af', '!e080af', '!f08080af', '!f8808080af', '!fc80808080af']],
  ['Maximum overlong sequences', ['!c1bf', '!e09fbf', '!f08fbfbf', '!f887bfbfbf', '!fc83bfbfbfbf']],
  ['Overlong forms of NUL', ['!c080', '!e08080', '!f0808080', '!f880808080', '!fc8080808080']],
  // RFC 3629 §3: surrogates U+D800–U+DFFF are not encodable.
  ['Single UTF-16 surrogates', ['!eda080', '!edadbf', '!edae80', '!edafbf', '!edb080', '!edbe80', '!edbfbf']],
  ['Paired UTF-16 surrogates', [
    '!eda080edb080', '!eda080edbfbf', '!edadbfedb080', '!edadbfedbfbf',
    '!edae80edb080', '!edae80edbfbf', '!edafbfedb080', '!edafbfedbfbf',
  ]],
  // Noncharacters are valid UTF-8: RFC 3629 only excludes surrogates and > U+10FFFF.
  ['Noncharacters (valid UTF-8)', [
    'efbfbe', 'efbfbf',
    ...['f0', 'f1', 'f2', 'f3', 'f4'].flatMap((lead) => ['8f', '9f', 'af', 'bf']
      .filter((second) => !(lead === 'f0' && second === '8f') && !(lead === 'f4' && second !== '8f'))
      .flatMap((second) => [`${lead}${second}bfbe`, `${lead}${second}bfbf`])),
  ]],
  ['Specials block, including the replacement character', ['efbfb9', 'efbfba', 'efbfbb', 'efbfbc', 'efbfbd', 'efbfbe', 'efbfbf']],
];

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => (from + i).toString(16).padStart(2, '0'));
}

/** 6.1–6.4. */
function fragmentedText(profile: Profile): CaseSpec[] {
  const kill = killAfter(profile.wait(1000));
  const valid = 'Hello-µ@ßöäüàá-UTF-8!!';
  const kosme = hex('cebae1bdb9cf83cebcceb5'); // κόσμε, with U+1F79 (ό with oxia)
  const invalid = hex('cebae1bdb9cf83cebcceb5 eda080 656469746564'); // κόσμε, a surrogate, "edited"
  const empty = Buffer.alloc(0);
  const echoCase = (id: string, description: string, steps: CaseSpec['steps'], payload: Buffer): CaseSpec => ({
    id,
    description,
    expectation: 'The message is echoed; then a clean close with 1000.',
    rfc: 'RFC 6455 §5.4, §5.6',
    steps: [...steps, kill],
    outcomes: [ok('message echoed', echo(payload))],
    close: NORMAL_CLOSE,
  });
  const cases: CaseSpec[] = [
    echoCase('6.1.1', 'Send a text message with an empty payload.', [frame(TEXT)], empty),
    echoCase('6.1.2', 'Send a text message in 3 fragments, each empty.',
      [frame(TEXT, empty, { fin: false }), frame(Opcode.Continuation, empty, { fin: false }), frame(Opcode.Continuation)], empty),
    echoCase('6.1.3', 'Send a text message in 3 fragments, the first and last empty.',
      [frame(TEXT, empty, { fin: false }), frame(Opcode.Continuation, utf8('middle frame payload'), { fin: false }),
        frame(Opcode.Continuation)], utf8('middle frame payload')),
    echoCase('6.2.1', `Send valid UTF-8 text "${valid}" in one frame.`, [message(TEXT, utf8(valid))], utf8(valid)),
    echoCase('6.2.2', `Send valid UTF-8 text "${valid}" in 2 fragments split on a code point boundary.`,
      [frame(TEXT, utf8('Hello-µ@ßöä'), { fin: false }), frame(Opcode.Continuation, utf8('üàá-UTF-8!!'))], utf8(valid)),
    echoCase('6.2.3', `Send valid UTF-8 text "${valid}" in 1-byte fragments, so that fragments split code points.`,
      [message(TEXT, utf8(valid), { fragmentSize: 1 })], utf8(valid)),
    echoCase('6.2.4', `Send valid UTF-8 text "${kosme.toString('utf8')}" in 1-byte fragments, so that fragments split code points.`,
      [message(TEXT, kosme, { fragmentSize: 1 })], kosme),
    {
      id: '6.3.1',
      description: `Send invalid UTF-8 text in one frame: 0x${invalid.toString('hex')} (a UTF-16 surrogate in the middle).`,
      expectation: 'The peer fails the connection with 1007.',
      rfc: RULE,
      steps: [message(TEXT, invalid), kill],
      outcomes: [ok('nothing received; the connection is failed')],
      close: INVALID_PAYLOAD,
    },
    {
      id: '6.3.2',
      description: `Send invalid UTF-8 text 0x${invalid.toString('hex')} in 1-byte fragments.`,
      expectation: 'The peer fails the connection with 1007.',
      rfc: RULE,
      steps: [message(TEXT, invalid, { fragmentSize: 1 }), kill],
      outcomes: [ok('nothing received; the connection is failed')],
      close: INVALID_PAYLOAD,
    },
  ];

  // 6.4.x: fail fast. Part 1 is valid; part 2 makes the message invalid for
  // good (6.4.1/6.4.3: U+110000 in the old integer encoding, out of range;
  // 6.4.2/6.4.4: only its first two bytes, F4 90 — already impossible); part 3
  // is the rest. Between the parts the tester waits: a strict peer fails during
  // the second wait ("B" never passes), a peer that validates only complete
  // messages (or complete frames) fails after part 3.
  const failFast = (id: string, parts: readonly [Buffer, Buffer, Buffer], asFrames: boolean): CaseSpec => {
    const w = profile.wait(1000);
    const total = parts[0].length + parts[1].length + parts[2].length;
    const steps: CaseSpec['steps'] = asFrames
      ? [frame(TEXT, parts[0], { fin: false }), wait(w, 'A'), frame(Opcode.Continuation, parts[1], { fin: false }), wait(w, 'B'),
        frame(Opcode.Continuation, parts[2]), killAfter(w)]
      : [frameStart(TEXT, total), frameData(parts[0]), wait(w, 'A'), frameData(parts[1]), wait(w, 'B'),
        frameData(parts[2]), killAfter(w)];
    const shape = asFrames ? '3 fragments' : 'one frame whose payload is written in 3 pieces';
    return {
      id,
      description: `Send invalid UTF-8 text as ${shape}, waiting ${w} ms after each of the first two: ` +
        `part 1 0x${parts[0].toString('hex')} (valid), part 2 0x${parts[1].toString('hex')} (makes it invalid), ` +
        `part 3 0x${parts[2].toString('hex')}.`,
      expectation: 'The peer fails the connection with 1007 as soon as part 2 arrives (fail fast). Failing only ' +
        'after part 3, when the message (or frame) is complete, is NON-STRICT.',
      rfc: `${RULE}; fail-fast detection is the suite's preference, not a MUST`,
      steps,
      outcomes: [
        ok('failed right after the invalid part', timeout('A')),
        nonStrict('failed only once the message was complete', timeout('A'), timeout('B')),
      ],
      close: INVALID_PAYLOAD,
    };
  };
  const part1 = hex('cebae1bdb9cf83cebcceb5');
  cases.push(
    failFast('6.4.1', [part1, hex('f4908080'), hex('656469746564')], true),
    failFast('6.4.2', [hex('cebae1bdb9cf83cebcceb5f4'), hex('90'), hex('8080656469746564')], true),
    failFast('6.4.3', [part1, hex('f4908080'), hex('656469746564')], false),
    failFast('6.4.4', [hex('cebae1bdb9cf83cebcceb5f4'), hex('90'), hex('8080656469746564')], false),
  );
  return cases;
}

/** 6.5–6.23. */
function stressVectors(profile: Profile): CaseSpec[] {
  const cases: CaseSpec[] = [];
  UTF8_VECTORS.forEach(([title, vectors], group) => {
    vectors.forEach((vector, i) => {
      const valid = !vector.startsWith('!');
      const payload = hex(valid ? vector : vector.slice(1));
      const shown = `0x${payload.toString('hex')}`;
      cases.push({
        id: `6.${group + 5}.${i + 1}`,
        description: `${title}: send ${shown} as one text message (${valid ? 'valid' : 'not valid'} UTF-8).`,
        expectation: valid ? 'The message is echoed; then a clean close with 1000.' : 'The peer fails the connection with 1007.',
        rfc: RULE,
        steps: [message(TEXT, payload), killAfter(profile.wait(500))],
        outcomes: [valid ? ok('message echoed', echo(payload)) : ok('nothing received; the connection is failed')],
        close: valid ? NORMAL_CLOSE : INVALID_PAYLOAD,
      });
    });
  });
  return cases;
}

/** Section 6. */
export function utf8Cases(profile: Profile): CaseSpec[] {
  return [...fragmentedText(profile), ...stressVectors(profile)];
}

/** Titles of subsections 6.5–6.23, for reports. */
export function utf8SubsectionTitles(): Record<string, string> {
  const titles: Record<string, string> = {};
  UTF8_VECTORS.forEach(([title], group) => { titles[`6.${group + 5}`] = title; });
  return titles;
}
