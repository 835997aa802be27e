/**
 * Sections 12 and 13: permessage-deflate (RFC 7692), as Autobahn's
 * case12_x_x: 1000 messages, each sent compressed once the previous one came
 * back, cut one after the other from a document; 18 combinations of message
 * size and auto-fragmentation (the compressed payload split into frames of M
 * octets) per subsection.
 *
 * - 12.1–12.5: five kinds of document, the default offer; as fuzzing server,
 *   the first offer is accepted as it is.
 * - 13.1–13.7: the JSON document, with Autobahn's client offers
 *   (requestNoContextTakeover → `server_no_context_takeover`,
 *   requestMaxWindowBits → `server_max_window_bits`) and, as fuzzing server,
 *   Autobahn's matching accept rules (asking the client for
 *   `client_no_context_takeover` and `client_max_window_bits`).
 *
 * The tester closes (1000) once every echo came back equal, or at the first
 * bad one; after the case's time limit (Autobahn: 60–480 s) it closes anyway.
 * Without permessage-deflate the case is UNIMPLEMENTED.
 */
import { CORPORA, type CorpusInfo } from '../corpus.js';
import type { CaseSpec, DeflateAccept, DeflateOffer, EchoEvent, Outcome, ReceivedEvent } from '../types.js';
import { closeAfter, NORMAL_CLOSE, type Profile } from './dsl.js';

/** Autobahn's (message size, auto-fragment size, time limit in s) of every subsection; fragment size 0: one frame. */
export const DEFLATE_SIZES: readonly (readonly [number, number, number])[] = [
  [16, 0, 60], [64, 0, 60], [256, 0, 120], [1024, 0, 240], [4096, 0, 480], [8192, 0, 480], [16384, 0, 480], [32768, 0, 480],
  [65536, 0, 480], [131072, 0, 480],
  [8192, 256, 480], [16384, 256, 480], [32768, 256, 480], [65536, 256, 480], [131072, 256, 480],
  [131072, 1024, 480], [131072, 4096, 480], [131072, 32768, 480],
];

/** Messages per case (Autobahn: 1000). */
const COUNT = 1000;

/** (requestNoContextTakeover, requestMaxWindowBits) pairs, as Autobahn writes them. */
type Pair = readonly [boolean, number];

/**
 * Section 13's parameter sets, in subsection order: the client offers and the
 * fuzzing server's accept rules (Autobahn's accept1–accept7, with window 9 where
 * old versions used 8, which zlib no longer supports).
 */
export const DEFLATE_PARAMETERS: readonly (readonly Pair[])[] = [
  [[false, 0]],
  [[true, 0]],
  [[false, 9]],
  [[false, 15]],
  [[true, 9]],
  [[true, 15]],
  [[true, 9], [true, 0], [false, 0]],
];

function offer([requestNoContextTakeover, requestMaxWindowBits]: Pair): DeflateOffer {
  return { requestNoContextTakeover, requestMaxWindowBits };
}

function accept([requestNoContextTakeover, requestMaxWindowBits]: Pair): DeflateAccept {
  return { requestNoContextTakeover, requestMaxWindowBits };
}

function pairs(list: readonly Pair[]): string {
  return `[${list.map(([noContext, bits]) => `(${noContext ? 'True' : 'False'}, ${bits})`).join(', ')}]`;
}

/** The OK outcome: every message echoed in order, each equal to the one sent. Pings and pongs do not count. */
function allEchoed(count: number, seconds: number): Outcome {
  const echoes = (received: readonly ReceivedEvent[]): EchoEvent[] => received.filter((e): e is EchoEvent => e.type === 'echo');
  return {
    verdict: 'OK',
    note: `all ${count} messages echoed, in order, each equal to the message sent byte for byte (compressed or not)`,
    matches: (received) => {
      const list = echoes(received);
      return list.length === count && list.every((e, i) => e.seq === i && e.problem === null) && !received.some((e) => e.type === 'message');
    },
    explain: (received) => {
      const list = echoes(received);
      const bad = list.find((e) => e.problem !== null);
      if (bad !== undefined) return bad.problem!;
      if (list.length > count) return `${list.length} messages came back for ${count} sent`;
      return `${list.length} of ${count} messages came back (the case allows ${seconds} s)`;
    },
  };
}

interface Variant {
  readonly id: string;
  readonly corpus: CorpusInfo;
  readonly offers: readonly Pair[];
  /** Autobahn's description of the offer ("default …" or the list). */
  readonly offerText: string;
}

function deflateCase(variant: Variant, [length, fragment, seconds]: readonly [number, number, number], profile: Profile): CaseSpec {
  const count = profile.deflateCount(COUNT);
  const limit = profile.wait(seconds * 1000);
  const offers = variant.offers.map(offer);
  const acceptRules = variant.offers.map(accept);
  const serverSide = acceptRules.every((r) => !r.requestNoContextTakeover && r.requestMaxWindowBits === 0)
    ? 'accepts the client\'s first offer as it is'
    : `accepts an offer asking the client for ${acceptRules.map((r) =>
      [r.requestNoContextTakeover ? 'client_no_context_takeover' : '', r.requestMaxWindowBits !== 0 ? `client_max_window_bits=${r.requestMaxWindowBits}` : '']
        .filter((x) => x !== '').join(' and ') || 'nothing more').join(', failing that ')}`;
  return {
    id: variant.id,
    description: `Send ${count} compressed messages each of payload size ${length}, auto-fragment to ${fragment} octets. ` +
      `Use ${variant.offerText}.${count === COUNT ? '' : ` (Quick run; ${COUNT} messages in a full run.)`} ` +
      `Messages are consecutive pieces of ${variant.corpus.title}. As fuzzing server, the tester ${serverSide}.`,
    expectation: `Every message is echoed (compressed or not) with the payload as sent, within ${limit / 1000} s; then a clean close with 1000.`,
    rfc: 'RFC 7692 §5–§7 (permessage-deflate), RFC 6455 §5.4 (fragmentation)',
    steps: [
      closeAfter(limit),
      { op: 'deflate-loop', corpus: variant.corpus.kind, binary: variant.corpus.binary, length, count, fragmentSize: fragment },
    ],
    outcomes: [allEchoed(count, limit / 1000)],
    close: NORMAL_CLOSE,
    reportTime: true,
    quietWireLog: true,
    deflate: { offers, accept: acceptRules },
  };
}

/** Sections 12 and 13. */
export function deflateCases(profile: Profile): CaseSpec[] {
  const cases: CaseSpec[] = [];
  CORPORA.forEach((corpus, k) => {
    DEFLATE_SIZES.forEach((size, i) => {
      cases.push(deflateCase({ id: `12.${k + 1}.${i + 1}`, corpus, offers: [[false, 0]], offerText: 'default permessage-deflate offer' }, size, profile));
    });
  });
  const json = CORPORA.find((c) => c.kind === 'json')!;
  DEFLATE_PARAMETERS.forEach((offers, o) => {
    DEFLATE_SIZES.forEach((size, i) => {
      cases.push(deflateCase({
        id: `13.${o + 1}.${i + 1}`, corpus: json, offers,
        offerText: `permessage-deflate client offers (requestNoContextTakeover, requestMaxWindowBits): ${pairs(offers)}`,
      }, size, profile));
    });
  });
  return cases;
}
