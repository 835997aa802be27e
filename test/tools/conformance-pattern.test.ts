/**
 * Case patterns: Autobahn-style globs, comma lists and exclusions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCatalogue } from '../../src/tools/conformance/catalogue.js';
import { matchesTerm, parseCasePattern, PatternError, selectCaseIds } from '../../src/tools/conformance/pattern.js';

const IDS = ['1.1.1', '1.1.2', '1.2.1', '2.1', '2.10', '2.11', '6.2.1', '6.2.10', '6.4.1', '6.4.4', '10.1.1', '12.1.1'];

describe('matchesTerm: * stands for any run of characters, the whole id must match', () => {
  const cases: [string, string, boolean][] = [
    ['*', '1.1.1', true],
    ['1.*', '1.1.1', true],
    ['1.*', '10.1.1', false], // the dot is literal
    ['1.1.1', '1.1.1', true],
    ['1.1.1', '1.1.10', false], // no prefix matching without a star
    ['2.1*', '2.10', true],
    ['2.1*', '2.1', true],
    ['6.*.1', '6.2.1', true],
    ['6.*.1', '6.2.10', false], // anchored at the end too (Autobahn only anchors the start)
    ['*.1', '6.4.1', true],
    ['6.4.*', '6.4.4', true],
    ['**', '7.7.7', true],
    ['*1*', '2.10', true],
    ['6.*', '6', false],
  ];
  for (const [term, id, expected] of cases) {
    it(`"${term}" ${expected ? 'matches' : 'does not match'} ${id}`, () => assert.equal(matchesTerm(term, id), expected));
  }
});

describe('parseCasePattern', () => {
  it('splits on commas, trims, and sorts terms into include and exclude (! and -)', () => {
    assert.deepEqual(parseCasePattern(' 1.*, !1.2.*,-9.*,2.1 ,'), { include: ['1.*', '2.1'], exclude: ['1.2.*', '9.*'] });
  });
  it('an empty pattern includes everything', () => assert.deepEqual(parseCasePattern(''), { include: [], exclude: [] }));
  for (const bad of ['1.a', '!', 'foo', '1.1;2', '$']) {
    it(`rejects "${bad}"`, () => assert.throws(() => parseCasePattern(bad), PatternError));
  }
});

describe('selectCaseIds', () => {
  it('keeps the order of the catalogue, not of the pattern', () => {
    assert.deepEqual(selectCaseIds(IDS, '6.4.*,1.1.*'), ['1.1.1', '1.1.2', '6.4.1', '6.4.4']);
  });
  it('exclusions only: everything but them', () => {
    assert.deepEqual(selectCaseIds(IDS, '!1.*,!6.*,!12.*'), ['2.1', '2.10', '2.11', '10.1.1']);
  });
  it('inclusions minus exclusions', () => assert.deepEqual(selectCaseIds(IDS, '*,!*.1'), ['1.1.2', '2.10', '2.11', '6.2.10', '6.4.4']));
  it('a case named twice is selected once', () => assert.deepEqual(selectCaseIds(IDS, '2.1,2.1,2.*'), ['2.1', '2.10', '2.11']));
  it('a term that matches nothing is an error (a typo, most likely)', () => {
    assert.throws(() => selectCaseIds(IDS, '1.*,8.*'), /"8\.\*" matches no case/);
    assert.throws(() => selectCaseIds(IDS, '!3.1'), /"3\.1" matches no case/);
  });
  it('works on the real catalogue: 6.4.* is the four fail-fast cases; * is all 517', () => {
    const ids = buildCatalogue().map((c) => c.id);
    assert.deepEqual(selectCaseIds(ids, '6.4.*'), ['6.4.1', '6.4.2', '6.4.3', '6.4.4']);
    assert.equal(selectCaseIds(ids, '*').length, 517);
    assert.equal(selectCaseIds(ids, '*,!12.*,!13.*').length, 301);
  });
});
