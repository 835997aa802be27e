/**
 * Verdicts: from what a session observed to `behavior` and `behaviorClose`,
 * each with a sentence saying why. Pure functions, unit-tested on their own.
 *
 * The rules are Autobahn's, in Autobahn's order, with two additions where the
 * RFC is stricter than the suite (both listed in the README's deviations):
 *
 * 1. A peer that breaks a rule in what it sends (a masked frame from a server,
 *    an invalid UTF-8 echo, a frame after its close…) fails the behaviour, with
 *    the rule named. Autobahn drops such a connection and may still pass the
 *    case, because the offending frame never reaches its event list.
 * 2. A peer that never closes — no close frame, TCP still open when a deadline
 *    made the tester drop it — fails the closing behaviour. The RFC requires an
 *    answer to a close frame (§5.5.1) and the failing of a connection on a
 *    protocol error (§7.1.7); Autobahn reports such a peer "FAILED BY CLIENT"
 *    (testing servers) or even OK (testing clients).
 */
import { outcomeMatches } from './events.js';
import type { CaseSpec, ClosingFacts, CloseVerdict, ExpectedClose, ReceivedEvent, Verdict } from './types.js';

/** A verdict and the sentence that explains it. */
export interface Judgement<V> {
  readonly verdict: V;
  readonly reason: string;
}

/** The behaviour verdict: the first outcome (best first) whose events match, else FAILED. */
export function judgeBehavior(spec: CaseSpec, received: readonly ReceivedEvent[]): Judgement<Verdict> {
  const violation = received.find((event) => event.type === 'violation');
  if (violation !== undefined && violation.type === 'violation') {
    return { verdict: 'FAILED', reason: `The peer violated ${violation.rule}: ${violation.detail}.` };
  }
  for (const outcome of spec.outcomes) {
    if (outcomeMatches(outcome, received)) {
      return { verdict: outcome.verdict, reason: `Actual events match an expected outcome: ${outcome.note}.` };
    }
  }
  const explained = spec.outcomes.find((o) => o.explain !== undefined)?.explain?.(received);
  return { verdict: 'FAILED', reason: `Actual events differ from every expected outcome${explained === undefined ? '' : `: ${explained}`}.` };
}

/**
 * The closing verdict. `testerRole` matters for one rule: a client tester that
 * had to drop the TCP connection itself reports FAILED BY CLIENT (the server
 * should close TCP first, RFC 6455 §7.1.1).
 */
export function judgeClose(expected: ExpectedClose, facts: ClosingFacts, testerRole: 'client' | 'server'): Judgement<CloseVerdict> {
  if (expected.closedByMe !== facts.closedByMe) {
    return {
      verdict: 'FAILED',
      reason: expected.closedByMe
        ? 'The peer closed (or failed) the connection, but the tester was expected to start the closing handshake.'
        : 'The tester had to start the closing handshake, but the peer was expected to fail the connection.',
    };
  }
  if (expected.requireClean && !facts.wasClean) {
    return { verdict: 'UNCLEAN', reason: `The close must be clean here, and it was not: ${facts.wasNotCleanReason ?? 'no closing handshake'}.` };
  }
  if (facts.remoteCloseCode !== null && !expected.codes.includes(facts.remoteCloseCode)) {
    return { verdict: 'WRONG CODE', reason: `The peer closed with ${facts.remoteCloseCode}; the case accepts ${expected.codes.join(' or ')}, or no code.` };
  }
  if (facts.peerSilent) {
    return {
      verdict: 'FAILED',
      reason: 'The peer never closed: it sent no close frame and kept the TCP connection open until the tester dropped it ' +
        `(${facts.wasNotCleanReason ?? 'deadline'}). RFC 6455 §5.5.1 and §7.1.7 require an answer to a close frame and the failing of a broken connection.`,
    };
  }
  if (testerRole === 'client' && facts.droppedByMe) {
    return { verdict: 'FAILED BY CLIENT', reason: `The tester (client) had to drop the TCP connection, which the server should close (RFC 6455 §7.1.1): ${facts.dropReason ?? ''}.` };
  }
  return { verdict: 'OK', reason: closeSummary(facts) };
}

function closeSummary(facts: ClosingFacts): string {
  const who = facts.closedByMe ? 'the tester started the closing handshake' : 'the peer closed the connection';
  const code = facts.remoteCloseCode === null ? (facts.closeReceived ? 'a close frame without a code' : 'no close frame') : `code ${facts.remoteCloseCode}`;
  return `Connection was properly closed: ${who}; the peer sent ${code}${facts.wasClean ? '; clean' : ''}.`;
}

/** Both verdicts of a case, after the case-specific rules (section 7's WRONG CODE, informational cases). */
export interface CaseJudgement {
  readonly behavior: Verdict;
  readonly behaviorClose: CloseVerdict;
  readonly result: string;
  readonly resultClose: string;
}

/** Judge one case run. */
export function judgeCase(spec: CaseSpec, received: readonly ReceivedEvent[], facts: ClosingFacts, testerRole: 'client' | 'server'): CaseJudgement {
  const behavior = judgeBehavior(spec, received);
  const close = judgeClose(spec.close, facts, testerRole);
  if (spec.informational === true) {
    // The RFC leaves the outcome open: report what happened, judge nothing.
    const matched = spec.outcomes.find((outcome) => outcomeMatches(outcome, received));
    const what = matched === undefined
      ? behavior.verdict === 'FAILED' && received.some((e) => e.type === 'violation') ? behavior.reason : 'The events match none of the described outcomes.'
      : `${matched.note[0]!.toUpperCase()}${matched.note.slice(1)}.`;
    const code = facts.remoteCloseCode === null ? (facts.closeReceived ? 'a close frame without a code' : 'no close frame') : `close code ${facts.remoteCloseCode}`;
    return {
      behavior: 'INFORMATIONAL',
      behaviorClose: 'INFORMATIONAL',
      result: `Informational (behaviour left open by the RFC): ${what}`,
      resultClose: `Informational: the peer answered with ${code}; ${facts.wasClean ? 'clean' : `not clean (${facts.wasNotCleanReason ?? ''})`}. Closing verdict would have been ${close.verdict}.`,
    };
  }
  if (spec.wrongCodeFails === true && close.verdict === 'WRONG CODE') {
    return { behavior: 'FAILED', behaviorClose: close.verdict, result: close.reason, resultClose: close.reason };
  }
  const result = behavior.verdict === 'FAILED' && !received.some((e) => e.type === 'violation')
    ? `${behavior.reason} ${whatHappened(spec, received, facts)}`
    : behavior.reason;
  return { behavior: behavior.verdict, behaviorClose: close.verdict, result, resultClose: close.reason };
}

/** For a FAILED behaviour: how many events came, and whether the peer closed first (and why, for size limits). */
function whatHappened(spec: CaseSpec, received: readonly ReceivedEvent[], facts: ClosingFacts): string {
  const counts = new Map<string, number>();
  for (const event of received) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  const got = received.length === 0 ? 'no events' : [...counts].map(([type, n]) => `${n} ${type}${n === 1 ? '' : type === 'echo' ? 'es' : 's'}`).join(', ');
  const expected = spec.outcomes.find((o) => o.verdict === 'OK')?.events?.length;
  let text = `Received ${got}${expected === undefined ? '' : ` (expected ${expected} event${expected === 1 ? '' : 's'})`}`;
  if (facts.closeReceived && !facts.closedByMe) {
    text += `; the peer closed first, with ${facts.remoteCloseCode ?? 'no code'}`;
    // RFC 6455 §10.4 lets an endpoint limit message sizes; section 9 measures such limits.
    if (facts.remoteCloseCode === 1008 || facts.remoteCloseCode === 1009) text += ' (a size or policy limit of the peer; RFC 6455 §10.4 allows such limits)';
  } else if (facts.peerClosedTcp && !facts.closeReceived) {
    text += '; the peer dropped TCP without a close frame';
  }
  return `${text}.`;
}
