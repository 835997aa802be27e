/** Argument parsing, formatting and target verdicts of the benchmark reports (bench/report.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atLeast, atMost, check, listArg, meets, numberArg, parseArgs, si, sizeName, table, targetCell, times } from '../../bench/report.js';

describe('bench report helpers', () => {
  it('parseArgs reads --name value and --flag', () => {
    const args = parseArgs(['--rounds', '5', '--json', '--sizes', '16,1024', 'stray']);
    assert.equal(args.get('rounds'), '5');
    assert.equal(args.get('json'), 'true');
    assert.equal(args.get('sizes'), '16,1024');
    assert.equal(args.size, 3);
  });

  it('listArg and numberArg: defaults, lists, and refusal of nonsense', () => {
    const args = parseArgs(['--sizes', '16, 1024,', '--rounds', 'x', '--count', '-1']);
    assert.deepEqual(listArg(args, 'sizes', []), ['16', '1024']);
    assert.deepEqual(listArg(args, 'other', ['a']), ['a']);
    assert.equal(numberArg(args, 'missing', 7), 7);
    assert.throws(() => numberArg(args, 'rounds', 7), /positive number/);
    assert.throws(() => numberArg(args, 'count', 7), /positive number/);
  });

  it('formats numbers, ratios and sizes', () => {
    assert.equal(si(1234), '1.23k');
    assert.equal(si(5_680_000), '5.68M');
    assert.equal(si(42), '42.0');
    assert.equal(si(Number.NaN), 'n/a');
    assert.equal(times(1.234), '1.23x');
    assert.equal(times(Infinity), 'n/a');
    assert.equal(sizeName(16), '16 B');
    assert.equal(sizeName(1024), '1 KiB');
    assert.equal(sizeName(64 * 1024), '64 KiB');
    assert.equal(sizeName(16 * 1024 * 1024), '16 MiB');
  });

  it('table aligns a markdown table', () => {
    assert.equal(table(['a', 'bb'], [['ccc', 'd']]), '| a   | bb |\n|-----|----|\n| ccc | d  |');
  });

  it('targets: met, NOT met, n/a, and none', () => {
    assert.ok(meets(1.5, atLeast(1.5)));
    assert.ok(!meets(1.49, atLeast(1.5)));
    assert.ok(meets(0.7, atMost(0.7)));
    assert.ok(!meets(0.71, atMost(0.7)));
    assert.equal(targetCell(1.6, atLeast(1.5)), 'met (>= 1.5x)');
    assert.equal(targetCell(0.9, atMost(0.7)), 'NOT met (<= 0.7x)');
    assert.equal(targetCell(Number.NaN, atLeast(1)), 'n/a (>= 1x)');
    assert.equal(targetCell(2, undefined), '');
    assert.deepEqual(check('16 B', 'msg/s', 1.2, atLeast(1.2)), { case: '16 B', metric: 'msg/s', ratio: 1.2, target: '>= 1.2x', met: true });
    assert.equal(check('16 B', 'msg/s', Number.NaN, atMost(1)).met, false);
  });
});
