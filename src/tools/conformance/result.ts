/**
 * Turns a case run (or a case that could not run) into a {@link CaseResult}:
 * verdicts, reasons, the expected and received events rendered for humans,
 * the closing facts, the wire log.
 */
import type { Socket } from 'node:net';
import { abbreviate, renderExpected, renderReceived } from './events.js';
import { CaseSession } from './session.js';
import { DEFAULT_TIMING, type SessionTiming } from './timing.js';
import {
  caseOutcome, type CaseResult, type CaseSpec, type ClosingFacts, type DeflateAgreement, type DeflateReport, type DeflateTraffic, type Mode,
} from './types.js';
import { judgeCase } from './verdict.js';

/** Who and what a result belongs to. */
export interface RunContext {
  readonly agent: string;
  /** What is under test. The tester plays the other role. */
  readonly mode: Mode;
  readonly quick: boolean;
}

/** The tester's role when testing `mode`. */
export function testerRole(mode: Mode): 'client' | 'server' {
  return mode === 'server' ? 'client' : 'server';
}

const NO_FACTS: ClosingFacts = {
  closedByMe: false, failedByMe: false, droppedByMe: false, wasClean: false, wasNotCleanReason: null,
  wasServerConnectionDropTimeout: false, wasCloseHandshakeTimeout: false, peerSilent: false, dropReason: null,
  closeSent: false, closeReceived: false, peerClosedTcp: false,
  localCloseCode: null, localCloseReason: null, remoteCloseCode: null, remoteCloseReason: null,
};

function expectedSummary(spec: CaseSpec): CaseResult['expected'] {
  return {
    outcomes: spec.outcomes.map((outcome) => ({
      verdict: outcome.verdict,
      note: outcome.note,
      events: outcome.events === undefined ? ['(see note)'] : abbreviate(outcome.events.map(renderExpected)),
    })),
    close: spec.close,
  };
}

function base(spec: CaseSpec, context: RunContext, started: Date): Pick<CaseResult,
  'id' | 'description' | 'expectation' | 'rfc' | 'agent' | 'mode' | 'quick' | 'started' | 'reportTime' | 'expected'> {
  return {
    id: spec.id,
    description: spec.description,
    expectation: spec.expectation,
    rfc: spec.rfc,
    agent: context.agent,
    mode: context.mode,
    quick: context.quick,
    started: started.toISOString(),
    reportTime: spec.reportTime === true,
    expected: expectedSummary(spec),
  };
}

/** How the permessage-deflate negotiation of a section 12–13 case went. */
export interface Negotiation {
  /** The client's Sec-WebSocket-Extensions ('' when none). */
  readonly offered: string;
  /** The server's Sec-WebSocket-Extensions ('' when none). */
  readonly response: string;
  /** null: the extension is not in use, and the case's messages are not sent. */
  readonly agreement: DeflateAgreement | null;
  /** What happened, in words (the behaviour's reason when there is no agreement). */
  readonly note: string;
  /**
   * Without an agreement: UNIMPLEMENTED (the peer does not support the
   * extension or the case's configuration; default) or FAILED (it broke the
   * negotiation).
   */
  readonly verdict?: 'UNIMPLEMENTED' | 'FAILED';
}

const NO_TRAFFIC: DeflateTraffic = {
  messagesSent: 0, payloadOctetsSent: 0, compressedOctetsSent: 0,
  messagesReceived: 0, compressedMessagesReceived: 0, payloadOctetsReceived: 0, wireOctetsReceived: 0,
};

/** The report section of a negotiation. */
export function deflateReport(negotiation: Negotiation, traffic: DeflateTraffic = NO_TRAFFIC): DeflateReport {
  return { offered: negotiation.offered, response: negotiation.response, agreed: negotiation.agreement, negotiation: negotiation.note, traffic };
}

/**
 * Run `spec` on an upgraded connection and judge it. For a section 12–13 case
 * `negotiation` says how permessage-deflate was negotiated; without an
 * agreement the tester only closes (1000) and the behaviour is the
 * negotiation's verdict (Autobahn: UNIMPLEMENTED).
 */
export async function runCaseOnSocket(
  spec: CaseSpec, socket: Socket, head: Buffer, context: RunContext,
  http: { request: string; response: string }, timing: SessionTiming = DEFAULT_TIMING, negotiation?: Negotiation,
): Promise<CaseResult> {
  const started = new Date();
  const role = testerRole(context.mode);
  const agreement = negotiation?.agreement ?? null;
  const skipped = negotiation !== undefined && agreement === null;
  const runSpec: CaseSpec = skipped ? { ...spec, steps: [{ op: 'close', code: 1000 }], outcomes: [] } : spec;
  const record = await new CaseSession({ spec: runSpec, socket, head, role, timing, ...(agreement === null ? {} : { deflate: agreement }) }).run();
  let judgement = judgeCase(spec, record.received, record.closing, role);
  if (skipped) {
    judgement = { ...judgement, behavior: negotiation.verdict ?? 'UNIMPLEMENTED', result: negotiation.note };
  }
  return {
    ...base(spec, context, started),
    duration: Math.round(record.duration),
    behavior: judgement.behavior,
    behaviorClose: judgement.behaviorClose,
    result: judgement.result,
    resultClose: judgement.resultClose,
    outcome: caseOutcome(judgement.behavior, judgement.behaviorClose),
    received: abbreviate(record.received.map(renderReceived)),
    closing: record.closing,
    httpRequest: http.request,
    httpResponse: http.response,
    stats: record.stats,
    wirelog: record.wirelog,
    ...(negotiation === undefined ? {} : { deflate: deflateReport(negotiation, record.deflate) }),
  };
}

/**
 * A case that did not get past the opening handshake: FAILED, with the reason
 * (or, with `verdict`, UNIMPLEMENTED: a server that refuses a permessage-deflate
 * configuration it does not support).
 */
export function handshakeFailedResult(
  spec: CaseSpec, context: RunContext, reason: string, http: { request: string; response: string },
  negotiation?: Negotiation, verdict: 'FAILED' | 'UNIMPLEMENTED' = 'FAILED',
): CaseResult {
  const message = `The opening handshake ${verdict === 'FAILED' ? 'failed' : 'did not succeed'}: ${reason}.`;
  return {
    ...base(spec, context, new Date()),
    duration: 0,
    behavior: verdict,
    behaviorClose: verdict,
    result: message,
    resultClose: message,
    outcome: verdict,
    received: [],
    closing: { ...NO_FACTS, wasNotCleanReason: 'no WebSocket connection' },
    httpRequest: http.request,
    httpResponse: http.response,
    stats: { txOctets: 0, rxOctets: 0, txWrites: 0, rxReads: 0, txFrames: {}, rxFrames: {} },
    wirelog: [],
    ...(negotiation === undefined ? {} : { deflate: deflateReport(negotiation) }),
  };
}

/** A case the tester cannot run (marked `unimplemented` in the catalogue): UNIMPLEMENTED, not run. */
export function unimplementedResult(spec: CaseSpec, context: RunContext): CaseResult {
  const note = spec.unimplemented ?? 'not implemented';
  return {
    ...base(spec, context, new Date()),
    duration: 0,
    behavior: 'UNIMPLEMENTED',
    behaviorClose: 'UNIMPLEMENTED',
    result: note,
    resultClose: note,
    outcome: 'UNIMPLEMENTED',
    received: [],
    closing: NO_FACTS,
    httpRequest: '',
    httpResponse: '',
    stats: { txOctets: 0, rxOctets: 0, txWrites: 0, rxReads: 0, txFrames: {}, rxFrames: {} },
    wirelog: [],
  };
}
