/** Pure statistics of the benchmark harness (bench/harness.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compare, median, pairedMedian, pairedRatios, quantileSorted, rotation, summarize } from '../../bench/harness.js';

describe('bench harness statistics', () => {
  it('median of odd, even and empty lists, without reordering the input', () => {
    const values = [5, 1, 3];
    assert.equal(median(values), 3);
    assert.deepEqual(values, [5, 1, 3]);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('quantileSorted is nearest-rank', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(quantileSorted(sorted, 0.5), 50);
    assert.equal(quantileSorted(sorted, 0.99), 99);
    assert.equal(quantileSorted(sorted, 1), 100);
    assert.equal(quantileSorted(sorted, 0), 1);
    assert.equal(quantileSorted([7], 0.99), 7);
    assert.ok(Number.isNaN(quantileSorted([], 0.5)));
  });

  it('pairedRatios divides round by round and refuses unequal lengths', () => {
    assert.deepEqual(pairedRatios([2, 9], [1, 3]), [2, 3]);
    assert.throws(() => pairedRatios([1], [1, 2]), /differ in length/);
  });

  it('summarize: medians and medians of paired ratios, which differ from ratios of medians', () => {
    // Round 2 is slow for both contenders: the paired ratio stays 2x.
    const result = summarize('case', { a: [200, 20, 220], ref: [100, 10, 110] }, 'ref');
    assert.equal(result.median['a'], 200);
    assert.equal(result.median['ref'], 100);
    assert.equal(result.ratio['a'], 2);
    assert.equal(result.ratio['ref'], 1);
    assert.equal(result.rounds, 3);
    assert.equal(pairedMedian(result, 'ref', 'a'), 0.5);
    assert.ok(Number.isNaN(pairedMedian(result, 'a', 'missing')));
  });

  it('rotation gives every contender every position once per cycle', () => {
    assert.deepEqual(rotation(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
    assert.deepEqual(rotation(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
    assert.deepEqual(rotation(['a', 'b', 'c'], 5), ['c', 'a', 'b']);
  });

  it('compare runs every contender every round and keeps the raw samples', () => {
    let calls = 0;
    const unit = (name: string) => ({ name, prepare: (reps: number) => () => { calls++; return reps; } });
    const result = compare('x', [unit('a'), unit('b')], 'b', { rounds: 3, sampleMs: 0.01 });
    assert.equal(result.samples['a']!.length, 3);
    assert.equal(result.samples['b']!.length, 3);
    assert.ok(result.median['a']! > 0);
    assert.ok(calls >= 6);
  });
});
