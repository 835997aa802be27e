/**
 * The case catalogue: shape and invariants, the quick profile, and a
 * cross-check against facts from the published Autobahn case list
 * (test/tools/fixtures/autobahn-facts.json: ids, accepted close
 * codes, who closes, clean-close requirement, UTF-8 payloads).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { materialize } from '../../src/tools/conformance/bytes.js';
import { buildCatalogue, compareCaseIds, sectionOf, SECTION_TITLES, subsectionOf, SUBSECTION_TITLES } from '../../src/tools/conformance/catalogue.js';
import type { CaseSpec, Step } from '../../src/tools/conformance/types.js';
import type { AutobahnFacts } from './fixtures/derive-autobahn-facts.js';

const full = buildCatalogue();
const quick = buildCatalogue({ quick: true });
const runnable = full.filter((c) => c.unimplemented === undefined);

describe('catalogue shape', () => {
  it('has the 517 cases of sections 1–13, all runnable; the 216 of sections 12–13 negotiate permessage-deflate', () => {
    assert.equal(full.length, 517);
    assert.equal(runnable.length, 517);
    const deflate = full.filter((c) => c.deflate !== undefined);
    assert.equal(deflate.length, 216);
    assert.ok(deflate.every((c) => ['12', '13'].includes(sectionOf(c.id))));
    assert.ok(deflate.every((c) => c.steps.some((s) => s.op === 'deflate-loop') && c.reportTime === true));
  });
  it('ids are unique and in numeric order', () => {
    const ids = full.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(compareCaseIds), ids);
    assert.ok(ids.indexOf('6.9.1') < ids.indexOf('6.10.1'));
  });
  it('every section and subsection has a title', () => {
    for (const c of full) {
      assert.ok(SECTION_TITLES[sectionOf(c.id)] !== undefined, c.id);
      const sub = subsectionOf(c.id);
      if (sub !== sectionOf(c.id) && !['3', '5'].includes(sectionOf(c.id))) assert.ok(SUBSECTION_TITLES[sub] !== undefined, sub);
    }
  });
  it('every runnable case has steps, an OK outcome (or is informational) and a deadline', () => {
    for (const c of runnable) {
      assert.ok(c.steps.length > 0, c.id);
      assert.ok(c.informational === true || c.outcomes.some((o) => o.verdict === 'OK'), c.id);
      assert.ok(c.steps.some((s) => s.op === 'kill-after' || s.op === 'close-after'), `${c.id} has no deadline`);
    }
  });
  it('cases where the peer must fail the connection arm a kill deadline', () => {
    for (const c of runnable.filter((x) => !x.close.closedByMe)) assert.ok(c.steps.some((s) => s.op === 'kill-after'), c.id);
  });
  it('section 7 fails the behaviour on a wrong close code, except the informational cases', () => {
    for (const c of runnable.filter((x) => sectionOf(x.id) === '7')) assert.equal(c.wrongCodeFails === true, c.informational !== true, c.id);
  });
});

function payloadBytes(step: Step): number {
  return 'payload' in step ? materialize(step.payload).length : 0;
}

describe('quick profile', () => {
  it('has the same cases, close expectations and outcome verdicts', () => {
    assert.deepEqual(quick.map((c) => c.id), full.map((c) => c.id));
    for (const [i, c] of quick.entries()) {
      assert.deepEqual(c.close, full[i]!.close, c.id);
      assert.deepEqual(c.outcomes.map((o) => o.verdict), full[i]!.outcomes.map((o) => o.verdict), c.id);
    }
  });
  it('sections 12–13: a fiftieth of the messages (20, not 1000), the same sizes, half the time', () => {
    const loop = (c: CaseSpec) => c.steps.find((s) => s.op === 'deflate-loop') as Extract<Step, { op: 'deflate-loop' }>;
    const deadline = (c: CaseSpec) => (c.steps.find((s) => s.op === 'close-after') as { ms: number }).ms;
    for (const [i, c] of quick.entries()) {
      if (c.deflate === undefined) continue;
      const f = full[i]!;
      assert.deepEqual([loop(c).count, loop(f).count], [20, 1000], c.id);
      assert.equal(loop(c).length, loop(f).length, c.id);
      assert.equal(deadline(c) * 2, deadline(f), c.id);
    }
  });
  it('sends at most 1 MiB per step (16 MiB in the full profile) and waits at most half as long', () => {
    const biggest = (cases: CaseSpec[]) => Math.max(...cases.flatMap((c) => c.steps.map(payloadBytes)));
    assert.equal(biggest(quick), 1024 * 1024);
    assert.equal(biggest(full), 16 * 1024 * 1024);
    const waits = (c: CaseSpec) => c.steps.filter((s) => s.op === 'wait').map((s) => (s as { ms: number }).ms);
    assert.deepEqual(waits(quick.find((c) => c.id === '6.4.1')!), [500, 500]);
    assert.deepEqual(waits(full.find((c) => c.id === '6.4.1')!), [1000, 1000]);
  });
});

// Facts from the published case list (ids, close expectations, the numbers
// and payloads its descriptions state), derived by ./fixtures/derive-autobahn-facts.ts.
const facts = (JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'autobahn-facts.json'), 'utf8')) as { cases: AutobahnFacts[] }).cases;

describe('cross-check with the published Autobahn case list', () => {
  const byId = new Map(full.map((c) => [c.id, c]));

  it('the same 517 case ids', () => assert.deepEqual(facts.map((r) => r.id).sort(compareCaseIds), full.map((c) => c.id)));

  it('sections 12–13: the same message counts, sizes, auto-fragmentation, offers and time limits', () => {
    let checked = 0;
    for (const r of facts) {
      if (r.deflate === undefined) continue;
      const c = byId.get(r.id)!;
      const loop = c.steps.find((s) => s.op === 'deflate-loop') as Extract<Step, { op: 'deflate-loop' }>;
      assert.deepEqual([loop.count, loop.length, loop.fragmentSize], [r.deflate.count, r.deflate.size, r.deflate.fragmentSize], r.id);
      assert.deepEqual(c.deflate!.offers.map((o) => [o.requestNoContextTakeover, o.requestMaxWindowBits]), r.deflate.offers, r.id);
      assert.deepEqual(c.deflate!.accept.map((o) => [o.requestNoContextTakeover, o.requestMaxWindowBits]), r.deflate.offers, r.id);
      assert.equal((c.steps.find((s) => s.op === 'close-after') as { ms: number }).ms, r.deflate.timeoutSeconds * 1000, r.id);
      checked++;
    }
    assert.equal(checked, 216);
  });

  it('the same accepted close codes, closing endpoint and clean-close requirement for every case', () => {
    for (const r of facts) {
      const c = byId.get(r.id)!;
      assert.deepEqual([...new Set(c.close.codes)].sort(), [...new Set(r.closeCodes)].sort(), `${r.id} close codes`);
      assert.equal(c.close.closedByMe, r.closedByMe, `${r.id} closedByMe`);
      assert.equal(c.close.requireClean, r.requireClean, `${r.id} requireClean`);
    }
  });

  it('the same UTF-8 payloads in 6.5–6.23', () => {
    let checked = 0;
    for (const r of facts) {
      if (r.payloadHex === undefined) continue;
      const step = byId.get(r.id)!.steps[0]!;
      assert.equal(materialize((step as { payload: Buffer }).payload).toString('hex'), r.payloadHex, r.id);
      checked++;
    }
    assert.equal(checked, 132);
  });

  it('the same messages in 6.2.x/6.3.x and the same parts in the fail-fast cases 6.4.x', () => {
    const fact = (id: string) => facts.find((r) => r.id === id)!;
    for (const id of ['6.2.1', '6.2.3', '6.2.4', '6.3.1', '6.3.2']) {
      const hex = fact(id).messageHex!;
      const sent = byId.get(id)!.steps.filter((s) => s.op === 'message').map((s) => materialize((s as { payload: Buffer }).payload).toString('hex')).join('');
      assert.ok(hex.endsWith(sent) && sent.length >= 10, `${id}: ${sent} vs ${hex}`);
    }
    for (const id of ['6.4.1', '6.4.2', '6.4.3', '6.4.4']) {
      const parts = fact(id).parts!;
      const sent = byId.get(id)!.steps.filter((s) => s.op === 'frame' || s.op === 'frame-data').map((s) => (s as { payload: Buffer }).payload.toString('hex'));
      // The published text of 6.4.4 prints an empty PART3 (a display slip: the case sends the rest of 6.4.2's payload).
      const expected = id === '6.4.4' ? [parts[0], parts[1], '8080656469746564'] : parts;
      assert.deepEqual(sent, expected, id);
    }
  });
});
