/**
 * Sections 12 and 13: permessage-deflate (RFC 7692). Not implemented yet: the
 * catalogue lists the cases with Autobahn's numbering and parameters so that
 * selecting them is not an error and reports show them, as UNIMPLEMENTED.
 *
 * When the extension exists, these become ordinary cases: an opening handshake
 * that offers permessage-deflate with the given parameters, then an echo loop
 * of compressed messages.
 */
import { CloseCode } from '../../../frame/close-code.js';
import type { CaseSpec } from '../types.js';

/** Why sections 12 and 13 do not run. */
export const DEFLATE_NOTE = 'permessage-deflate (RFC 7692) is not implemented by the tester yet; case not run';

/** The 18 (message size, auto-fragment size) pairs of every subsection; fragment size 0 means one frame. */
const SIZES: readonly (readonly [number, number])[] = [
  [16, 0], [64, 0], [256, 0], [1024, 0], [4096, 0], [8192, 0], [16384, 0], [32768, 0], [65536, 0], [131072, 0],
  [8192, 256], [16384, 256], [32768, 256], [65536, 256], [131072, 256], [131072, 1024], [131072, 4096], [131072, 32768],
];

/** Section 12: different kinds of payload, default offer. */
const PAYLOAD_KINDS = [
  'a large JSON document (UTF-8)',
  'a black-and-white 512×512 bitmap',
  'human-readable German text',
  'a large HTML document (UTF-8)',
  'a PDF document (binary)',
] as const;

/** Section 13: client offers as (client_no_context_takeover, client_max_window_bits; 0 = not offered). */
const OFFERS: readonly (readonly (readonly [boolean, number])[])[] = [
  [[false, 0]], [[true, 0]], [[false, 9]], [[false, 15]], [[true, 9]], [[true, 15]], [[true, 9], [true, 0], [false, 0]],
];

function timeoutSeconds(length: number): number {
  return length <= 64 ? 60 : length <= 256 ? 120 : length <= 1024 ? 240 : 480;
}

function placeholder(id: string, description: string, length: number): CaseSpec {
  return {
    id,
    description,
    expectation: `All 1000 messages are echoed unchanged within ${timeoutSeconds(length)} s; then a clean close with 1000.`,
    rfc: 'RFC 7692 (permessage-deflate)',
    steps: [],
    outcomes: [],
    close: { closedByMe: true, codes: [CloseCode.NormalClosure], requireClean: true },
    unimplemented: DEFLATE_NOTE,
  };
}

function fragmentText(fragment: number): string {
  return fragment === 0 ? 'one frame each' : `auto-fragmented into frames of ${fragment} bytes`;
}

/** Sections 12 and 13, all UNIMPLEMENTED. */
export function deflateCases(): CaseSpec[] {
  const cases: CaseSpec[] = [];
  PAYLOAD_KINDS.forEach((kind, k) => {
    SIZES.forEach(([length, fragment], i) => {
      cases.push(placeholder(`12.${k + 1}.${i + 1}`,
        `Send 1000 compressed messages of ${length} bytes (${kind}), ${fragmentText(fragment)}, with the default permessage-deflate offer.`,
        length));
    });
  });
  OFFERS.forEach((offers, o) => {
    const shown = offers.map(([noContext, bits]) => `(no_context_takeover=${noContext}, max_window_bits=${bits === 0 ? 'default' : bits})`).join(', ');
    SIZES.forEach(([length, fragment], i) => {
      cases.push(placeholder(`13.${o + 1}.${i + 1}`,
        `Send 1000 compressed messages of ${length} bytes, ${fragmentText(fragment)}, with the client offers ${shown}.`,
        length));
    });
  });
  return cases;
}
