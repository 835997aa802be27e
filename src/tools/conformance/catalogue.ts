/**
 * The case catalogue: every case of sections 1–10 and 12–13
 * (permessage-deflate), in Autobahn's numbering and order, with the section
 * titles reports use.
 *
 * Adding a section means adding a module under ./cases that returns
 * `CaseSpec`s and listing it in {@link buildCatalogue}.
 */
import { closeCases } from './cases/close.js';
import { deflateCases } from './cases/deflate.js';
import { FULL_PROFILE, QUICK_PROFILE, type Profile } from './cases/dsl.js';
import { fragmentationCases } from './cases/fragmentation.js';
import { framingCases } from './cases/framing.js';
import { performanceCases } from './cases/performance.js';
import { utf8Cases, utf8SubsectionTitles } from './cases/utf8.js';
import type { CaseSpec } from './types.js';

/** Section titles, by section number. */
export const SECTION_TITLES: Readonly<Record<string, string>> = {
  1: 'Framing',
  2: 'Pings/Pongs',
  3: 'Reserved Bits',
  4: 'Opcodes',
  5: 'Fragmentation',
  6: 'UTF-8 Handling',
  7: 'Close Handling',
  9: 'Limits/Performance',
  10: 'Misc',
  12: 'Compression: payloads',
  13: 'Compression: parameters',
};

/** Subsection titles, by `section.subsection`. */
export const SUBSECTION_TITLES: Readonly<Record<string, string>> = {
  '1.1': 'Text messages',
  '1.2': 'Binary messages',
  '4.1': 'Reserved data opcodes',
  '4.2': 'Reserved control opcodes',
  '6.1': 'Empty text payloads and fragments',
  '6.2': 'Valid UTF-8, fragmented on and within code points',
  '6.3': 'Invalid UTF-8, differently fragmented',
  '6.4': 'Fail fast on invalid UTF-8',
  ...utf8SubsectionTitles(),
  '7.1': 'Frames around the close (tester closes first)',
  '7.3': 'Close payload length',
  '7.5': 'Close reason that is not UTF-8',
  '7.7': 'Valid close codes',
  '7.9': 'Invalid close codes',
  '7.13': 'Close codes outside the defined ranges',
  '9.1': 'Text message, increasing size',
  '9.2': 'Binary message, increasing size',
  '9.3': 'Fragmented text message, increasing fragment size',
  '9.4': 'Fragmented binary message, increasing fragment size',
  '9.5': 'Text message written in chops of increasing size',
  '9.6': 'Binary message written in chops of increasing size',
  '9.7': 'Text round trips, increasing size',
  '9.8': 'Binary round trips, increasing size',
  '10.1': 'Fragmentation into fixed-size frames',
  '12.1': 'Large JSON document (text), default offer',
  '12.2': 'Bitmap image (binary), default offer',
  '12.3': 'German prose (binary), default offer',
  '12.4': 'Large HTML document (text), default offer',
  '12.5': 'PDF document (binary), default offer',
  '13.1': 'JSON; (requestNoContextTakeover, requestMaxWindowBits) = (False, 0): the default offer / accept as offered',
  '13.2': 'JSON; (True, 0): server_no_context_takeover / client_no_context_takeover',
  '13.3': 'JSON; (False, 9): server_max_window_bits=9 / client_max_window_bits=9',
  '13.4': 'JSON; (False, 15): server_max_window_bits=15 / client_max_window_bits=15',
  '13.5': 'JSON; (True, 9): both no_context_takeover and max_window_bits=9',
  '13.6': 'JSON; (True, 15): both no_context_takeover and max_window_bits=15',
  '13.7': 'JSON; [(True, 9), (True, 0), (False, 0)]: three offers / accept rules, in order',
};

/** Case id as a tuple of numbers, for ordering: 6.10.2 sorts after 6.9.1. */
export function caseIdTuple(id: string): number[] {
  return id.split('.').map((part) => Number(part));
}

/** Orders case ids numerically, part by part. */
export function compareCaseIds(a: string, b: string): number {
  const x = caseIdTuple(a);
  const y = caseIdTuple(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** The section of a case id (`6` for `6.4.1`). */
export function sectionOf(id: string): string {
  return id.split('.')[0]!;
}

/** The subsection of a case id (`6.4` for `6.4.1`; `2` for `2.10`). */
export function subsectionOf(id: string): string {
  const parts = id.split('.');
  return parts.length > 2 ? parts.slice(0, 2).join('.') : parts[0]!;
}

/** Options for {@link buildCatalogue}. */
export interface CatalogueOptions {
  /** Smaller section 9 payloads and shorter waits. Default false. */
  readonly quick?: boolean;
}

/** Every case, in order. */
export function buildCatalogue(options: CatalogueOptions = {}): CaseSpec[] {
  const profile: Profile = options.quick === true ? QUICK_PROFILE : FULL_PROFILE;
  const cases = [
    ...framingCases(profile),
    ...fragmentationCases(profile),
    ...utf8Cases(profile),
    ...closeCases(profile),
    ...performanceCases(profile),
    ...deflateCases(profile),
  ];
  return cases.sort((a, b) => compareCaseIds(a.id, b.id));
}
