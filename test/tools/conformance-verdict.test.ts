/**
 * Verdict logic, on hand-made observations: Autobahn's rules in Autobahn's
 * order, plus the two stricter rules (violations, silent peers).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCatalogue } from '../../src/tools/conformance/catalogue.js';
import { echo, NORMAL_CLOSE, nonStrict, ok, peerFails, pong, timeout } from '../../src/tools/conformance/cases/dsl.js';
import { outcomeCouldMatch, outcomeMatches } from '../../src/tools/conformance/events.js';
import { caseOutcome, type CaseSpec, type ClosingFacts, type ReceivedEvent } from '../../src/tools/conformance/types.js';
import { judgeBehavior, judgeCase, judgeClose } from '../../src/tools/conformance/verdict.js';

const text = (s: string) => Buffer.from(s);
const msg = (s: string, at = 1): ReceivedEvent => ({ type: 'message', binary: false, payload: text(s), at });
const pongEvent = (s: string, at = 1): ReceivedEvent => ({ type: 'pong', payload: text(s), at });
const tick = (tag: string, at = 1): ReceivedEvent => ({ type: 'timeout', tag, at });

/** Facts of a clean close started by the tester, the peer answering 1000. */
function facts(overrides: Partial<ClosingFacts> = {}): ClosingFacts {
  return {
    closedByMe: true, failedByMe: false, droppedByMe: false, wasClean: true, wasNotCleanReason: null,
    wasServerConnectionDropTimeout: false, wasCloseHandshakeTimeout: false, peerSilent: false, dropReason: null,
    closeSent: true, closeReceived: true, peerClosedTcp: true,
    localCloseCode: 1000, localCloseReason: null, remoteCloseCode: 1000, remoteCloseReason: '',
    ...overrides,
  };
}

const peerFailed = (code: number | null, overrides: Partial<ClosingFacts> = {}) =>
  facts({ closedByMe: false, localCloseCode: code, remoteCloseCode: code, ...overrides });

function spec(fields: Partial<CaseSpec>): CaseSpec {
  return { id: '0.0.1', description: '', expectation: '', rfc: '', steps: [], outcomes: [ok('echo', echo(text('hi')))], close: NORMAL_CLOSE, ...fields };
}

const byId = new Map(buildCatalogue().map((c) => [c.id, c]));
const get = (id: string): CaseSpec => byId.get(id)!;

describe('judgeBehavior: the whole received list against each outcome, best first', () => {
  it('exact match is OK', () => assert.equal(judgeBehavior(spec({}), [msg('hi')]).verdict, 'OK'));
  it('a missing event fails', () => assert.equal(judgeBehavior(spec({}), []).verdict, 'FAILED'));
  it('an extra event fails (nothing extra may arrive)', () => assert.equal(judgeBehavior(spec({}), [msg('hi'), pongEvent('')]).verdict, 'FAILED'));
  it('a binary echo of a text message fails', () => {
    assert.equal(judgeBehavior(spec({}), [{ type: 'message', binary: true, payload: text('hi'), at: 1 }]).verdict, 'FAILED');
  });
  it('order matters', () => {
    const s = spec({ outcomes: [ok('two', echo(text('a')), echo(text('b')))] });
    assert.equal(judgeBehavior(s, [msg('b'), msg('a')]).verdict, 'FAILED');
    assert.equal(judgeBehavior(s, [msg('a'), msg('b')]).verdict, 'OK');
  });
  it('the second outcome gives its verdict (3.2: failing before the echo is NON-STRICT)', () => {
    const s = get('3.2');
    assert.equal(judgeBehavior(s, [msg('Hello, world!')]).verdict, 'OK');
    assert.equal(judgeBehavior(s, []).verdict, 'NON-STRICT');
    assert.equal(judgeBehavior(s, [msg('Hello, world!'), msg('Hello, world!')]).verdict, 'FAILED');
  });
  it('6.4.x: failing during wait B is OK, after it NON-STRICT, never failing FAILED', () => {
    const s = get('6.4.1');
    assert.equal(judgeBehavior(s, [tick('A')]).verdict, 'OK');
    assert.equal(judgeBehavior(s, [tick('A'), tick('B')]).verdict, 'NON-STRICT');
    assert.equal(judgeBehavior(s, [tick('A'), tick('B'), msg('κόσμε')]).verdict, 'FAILED');
    assert.equal(judgeBehavior(s, []).verdict, 'FAILED'); // failed before the valid first part was even complete
  });
  it('a protocol violation by the peer fails the behaviour and names the rule, whatever else matched', () => {
    const result = judgeBehavior(spec({ outcomes: [ok('nothing')] }), [{ type: 'violation', rule: 'RFC 6455 §5.1', detail: 'the server sent a masked frame', at: 1 }]);
    assert.equal(result.verdict, 'FAILED');
    assert.match(result.reason, /§5\.1.*masked/);
  });
  it('2.10: a pong for every ping is OK; only some, ending with the last, NON-STRICT (RFC 6455 §5.5.3)', () => {
    const s = get('2.10');
    const all = Array.from({ length: 10 }, (_, i) => pongEvent(`payload-${i}`));
    assert.equal(judgeBehavior(s, all).verdict, 'OK');
    assert.equal(judgeBehavior(s, [pongEvent('payload-9')]).verdict, 'NON-STRICT');
    assert.equal(judgeBehavior(s, [pongEvent('payload-2'), pongEvent('payload-7'), pongEvent('payload-9')]).verdict, 'NON-STRICT');
    assert.equal(judgeBehavior(s, all.slice(0, 9)).verdict, 'FAILED', 'the last ping must be answered');
    assert.equal(judgeBehavior(s, [pongEvent('payload-7'), pongEvent('payload-2'), pongEvent('payload-9')]).verdict, 'FAILED', 'in order');
    assert.equal(judgeBehavior(s, [pongEvent('payload-9'), pongEvent('payload-9')]).verdict, 'FAILED', 'no pong twice');
    assert.equal(judgeBehavior(s, []).verdict, 'FAILED');
    assert.equal(judgeBehavior(s, [msg('x'), pongEvent('payload-9')]).verdict, 'FAILED');
  });
  it('5.19: the first pong during the pause is OK, after it NON-STRICT (§5.5.2 "as soon as is practical")', () => {
    const s = get('5.19');
    const whole = 'fragment1fragment2fragment3fragment4fragment5';
    assert.equal(judgeBehavior(s, [pongEvent('pongme 1!'), tick('A'), pongEvent('pongme 2!'), msg(whole)]).verdict, 'OK');
    assert.equal(judgeBehavior(s, [tick('A'), pongEvent('pongme 1!'), pongEvent('pongme 2!'), msg(whole)]).verdict, 'NON-STRICT');
    assert.equal(judgeBehavior(s, [tick('A'), msg(whole), pongEvent('pongme 1!'), pongEvent('pongme 2!')]).verdict, 'FAILED');
  });
});

describe('outcomeCouldMatch: whether more events could still complete an outcome', () => {
  const o = ok('two', echo(text('a')), pong(text('p')));
  it('a prefix could', () => assert.equal(outcomeCouldMatch(o, [msg('a')]), true));
  it('a wrong first event could not', () => assert.equal(outcomeCouldMatch(o, [msg('b')]), false));
  it('too many events could not', () => assert.equal(outcomeCouldMatch(o, [msg('a'), pongEvent('p'), pongEvent('p')]), false));
  it('predicate outcomes always could', () => assert.equal(outcomeCouldMatch({ verdict: 'OK', note: '', matches: () => false }, [msg('x')]), true));
  it('timeouts compare by tag', () => {
    assert.equal(outcomeMatches(nonStrict('', timeout('A')), [tick('A')]), true);
    assert.equal(outcomeMatches(nonStrict('', timeout('A')), [tick('B')]), false);
  });
});

describe('judgeClose: Autobahn rules in order', () => {
  it('OK: the tester closed, clean, 1000', () => assert.equal(judgeClose(NORMAL_CLOSE, facts(), 'client').verdict, 'OK'));
  it('FAILED: the wrong endpoint closed', () => {
    assert.equal(judgeClose(NORMAL_CLOSE, peerFailed(1000), 'client').verdict, 'FAILED');
    assert.equal(judgeClose(peerFails(1002), facts({ remoteCloseCode: 1002 }), 'client').verdict, 'FAILED');
  });
  it('UNCLEAN: clean required, not clean', () => {
    const result = judgeClose(NORMAL_CLOSE, facts({ wasClean: false, wasNotCleanReason: 'the server did not close TCP' }), 'client');
    assert.equal(result.verdict, 'UNCLEAN');
    assert.match(result.reason, /did not close TCP/);
  });
  it('WRONG CODE: a code outside the accepted list', () => {
    assert.equal(judgeClose(NORMAL_CLOSE, facts({ remoteCloseCode: 1001 }), 'client').verdict, 'WRONG CODE');
    assert.equal(judgeClose(peerFails(1002), peerFailed(1000), 'server').verdict, 'WRONG CODE');
  });
  it('no code at all is accepted', () => assert.equal(judgeClose(NORMAL_CLOSE, facts({ remoteCloseCode: null }), 'client').verdict, 'OK'));
  it('dropping TCP instead of a close frame is a way to fail the connection', () => {
    const dropped = peerFailed(null, { closeReceived: false, wasClean: false, peerClosedTcp: true });
    assert.equal(judgeClose(peerFails(1002), dropped, 'client').verdict, 'OK');
  });
  it('FAILED: a silent peer (no close frame, TCP left open until the tester dropped it)', () => {
    const silent = peerFailed(null, { closeReceived: false, wasClean: false, peerClosedTcp: false, droppedByMe: true, failedByMe: true, peerSilent: true });
    const result = judgeClose(peerFails(1002), silent, 'server');
    assert.equal(result.verdict, 'FAILED');
    assert.match(result.reason, /never closed/);
    // Tester-started close the peer ignored, where a clean close is not required (7.3.2, 7.9.x):
    assert.equal(judgeClose(get('7.9.1').close, facts({ closeReceived: false, wasClean: false, remoteCloseCode: null, peerSilent: true }), 'client').verdict, 'FAILED');
  });
  it('FAILED BY CLIENT: the tester as client had to drop TCP (only testing servers)', () => {
    const f = peerFailed(1002, { droppedByMe: true, dropReason: 'server did not close TCP' });
    assert.equal(judgeClose(peerFails(1002), f, 'client').verdict, 'FAILED BY CLIENT');
    assert.equal(judgeClose(peerFails(1002), f, 'server').verdict, 'OK');
  });
});

describe('judgeCase', () => {
  it('section 7: WRONG CODE also fails the behaviour', () => {
    const result = judgeCase(get('7.7.1'), [], facts({ remoteCloseCode: 1001 }), 'client');
    assert.deepEqual([result.behavior, result.behaviorClose], ['FAILED', 'WRONG CODE']);
  });
  it('elsewhere WRONG CODE leaves the behaviour alone', () => {
    const result = judgeCase(get('1.1.1'), [msg('')], facts({ remoteCloseCode: 1001 }), 'client');
    assert.deepEqual([result.behavior, result.behaviorClose], ['OK', 'WRONG CODE']);
  });
  it('informational cases report what happened and judge nothing', () => {
    const result = judgeCase(get('7.13.1'), [], facts({ remoteCloseCode: 1002 }), 'client');
    assert.deepEqual([result.behavior, result.behaviorClose], ['INFORMATIONAL', 'INFORMATIONAL']);
    assert.match(result.resultClose, /1002/);
    const big = judgeCase(get('7.1.6'), [], facts(), 'client');
    assert.match(big.result, /close was processed before/);
  });
  it('a FAILED behaviour says what came instead, and names size limits', () => {
    const result = judgeCase(get('9.3.1'), [], peerFailed(1009), 'client');
    assert.equal(result.behavior, 'FAILED');
    assert.match(result.result, /no events.*closed first, with 1009.*§10\.4/);
  });
});

describe('caseOutcome: the verdict that counts', () => {
  const table: [Parameters<typeof caseOutcome>[0], Parameters<typeof caseOutcome>[1], string][] = [
    ['OK', 'OK', 'OK'],
    ['OK', 'WRONG CODE', 'NON-STRICT'],
    ['OK', 'FAILED BY CLIENT', 'NON-STRICT'],
    ['OK', 'UNCLEAN', 'FAILED'],
    ['OK', 'FAILED', 'FAILED'],
    ['NON-STRICT', 'OK', 'NON-STRICT'],
    ['NON-STRICT', 'UNCLEAN', 'FAILED'],
    ['FAILED', 'OK', 'FAILED'],
    ['INFORMATIONAL', 'INFORMATIONAL', 'INFORMATIONAL'],
    ['UNIMPLEMENTED', 'UNIMPLEMENTED', 'UNIMPLEMENTED'],
  ];
  for (const [behavior, close, expected] of table) {
    it(`${behavior} + ${close} → ${expected}`, () => assert.equal(caseOutcome(behavior, close), expected));
  }
});
