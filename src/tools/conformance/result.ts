/**
 * Turns a case run (or a case that could not run) into a {@link CaseResult}:
 * verdicts, reasons, the expected and received events rendered for humans,
 * the closing facts, the wire log.
 */
import type { Socket } from 'node:net';
import { abbreviate, renderExpected, renderReceived } from './events.js';
import { CaseSession } from './session.js';
import { DEFAULT_TIMING, type SessionTiming } from './timing.js';
import { caseOutcome, type CaseResult, type CaseSpec, type ClosingFacts, type Mode } from './types.js';
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

/** Run `spec` on an upgraded connection and judge it. */
export async function runCaseOnSocket(
  spec: CaseSpec, socket: Socket, head: Buffer, context: RunContext,
  http: { request: string; response: string }, timing: SessionTiming = DEFAULT_TIMING,
): Promise<CaseResult> {
  const started = new Date();
  const role = testerRole(context.mode);
  const record = await new CaseSession({ spec, socket, head, role, timing }).run();
  const judgement = judgeCase(spec, record.received, record.closing, role);
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
  };
}

/** A case that did not get past the opening handshake: FAILED, with the reason. */
export function handshakeFailedResult(spec: CaseSpec, context: RunContext, reason: string, http: { request: string; response: string }): CaseResult {
  const message = `The opening handshake failed: ${reason}.`;
  return {
    ...base(spec, context, new Date()),
    duration: 0,
    behavior: 'FAILED',
    behaviorClose: 'FAILED',
    result: message,
    resultClose: message,
    outcome: 'FAILED',
    received: [],
    closing: { ...NO_FACTS, wasNotCleanReason: 'no WebSocket connection' },
    httpRequest: http.request,
    httpResponse: http.response,
    stats: { txOctets: 0, rxOctets: 0, txWrites: 0, rxReads: 0, txFrames: {}, rxFrames: {} },
    wirelog: [],
  };
}

/** A case the tester cannot run yet (sections 12–13): UNIMPLEMENTED, not run. */
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
