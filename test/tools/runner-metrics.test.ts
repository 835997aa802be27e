/**
 * The runner's metric arithmetic: k6's percentile definition (linear
 * interpolation at rank p·(n−1)), trend statistics, counter rates, merging
 * VU batches, the k6-style text summary and the --summary-export JSON, and
 * k6 duration strings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, formatElapsed, parseDuration } from '../../src/tools/runner/duration.js';
import { MetricsBuffer, MetricsStore, percentile, trendStats } from '../../src/tools/runner/metrics.js';
import { formatBytes, formatSummary, formatTime, summaryToJson } from '../../src/tools/runner/summary.js';

describe('runner metrics: percentiles as k6 computes them', () => {
  it('interpolates linearly between the neighbours of rank p·(n−1)', () => {
    const oneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.equal(percentile(oneToTen, 0.5), 5.5); // rank 4.5: halfway between 5 and 6
    assert.ok(Math.abs(percentile(oneToTen, 0.9) - 9.1) < 1e-12); // rank 8.1
    assert.ok(Math.abs(percentile(oneToTen, 0.95) - 9.55) < 1e-12); // rank 8.55
    assert.equal(percentile(oneToTen, 0), 1);
    assert.equal(percentile(oneToTen, 1), 10);
    // A rank that falls on a value returns it exactly.
    assert.equal(percentile([10, 20, 30, 40, 50], 0.5), 30);
    assert.equal(percentile([10, 20, 30, 40, 50], 0.75), 40);
    assert.equal(percentile([0, 100], 0.9), 90);
  });
  it('no value → 0; one value → that value; p is clamped to [0, 1]', () => {
    assert.equal(percentile([], 0.9), 0);
    assert.equal(percentile([7], 0.95), 7);
    assert.equal(percentile([1, 2], 2), 2);
    assert.equal(percentile([1, 2], -1), 1);
  });
  it('trendStats sorts numerically (not as strings) and reports avg/min/med/max/p(90)/p(95)', () => {
    const stats = trendStats([100, 9, 20, 3]); // a string sort would put 100 before 20
    const expected = { count: 4, avg: 33, min: 3, med: 14.5, max: 100, 'p(90)': 76, 'p(95)': 88 };
    for (const [key, value] of Object.entries(expected)) {
      assert.ok(Math.abs(stats[key as keyof typeof stats] - value) < 1e-9, `${key}: ${stats[key as keyof typeof stats]} ≠ ${value}`);
    }
    assert.deepEqual(trendStats([]), { count: 0, avg: 0, min: 0, med: 0, max: 0, 'p(90)': 0, 'p(95)': 0 });
  });
});

describe('runner metrics: buffers and the store', () => {
  it('a VU buffer drains what was added since the last drain, and null when nothing was', () => {
    const buffer = new MetricsBuffer();
    assert.equal(buffer.drain(), null);
    buffer.add('ws_msgs_sent');
    buffer.add('ws_msgs_sent', 2);
    buffer.add('data_sent', 100);
    buffer.sample('ws_connecting', 1.5);
    buffer.sample('ws_connecting', 2.5);
    assert.deepEqual(buffer.drain(), { counters: { ws_msgs_sent: 3, data_sent: 100 }, trends: { ws_connecting: [1.5, 2.5] } });
    assert.equal(buffer.drain(), null);
  });
  it('the store sums counters and concatenates trends across batches; rates are per second of the test', () => {
    const store = new MetricsStore();
    store.merge({ counters: { ws_msgs_received: 10, data_received: 2000 }, trends: { ws_session_duration: [100, 300] } });
    store.merge({ counters: { ws_msgs_received: 5 }, trends: { ws_session_duration: [200] } });
    store.gauge('vus_max', 2);
    const metrics = new Map(store.snapshot(2000).map((m) => [m.name, m]));
    assert.deepEqual(metrics.get('ws_msgs_received')?.values, { count: 15, rate: 7.5 });
    assert.deepEqual(metrics.get('data_received')?.values, { count: 2000, rate: 1000 });
    assert.equal((metrics.get('ws_session_duration')?.values as { med: number }).med, 200);
    assert.deepEqual(metrics.get('vus_max')?.values, { value: 2, min: 2, max: 2 });
    // Always-shown metrics appear at zero; ws_ping and script_errors only once they have data.
    assert.deepEqual(metrics.get('ws_msgs_sent')?.values, { count: 0, rate: 0 });
    assert.equal(metrics.has('ws_ping'), false);
    assert.equal(metrics.has('script_errors'), false);
    assert.deepEqual([...metrics.keys()], [...metrics.keys()].sort());
  });
});

describe('runner summary: text and JSON', () => {
  it('formats times and bytes as k6 does', () => {
    assert.equal(formatTime(0), '0s');
    assert.equal(formatTime(0.5123), '512.3µs');
    assert.equal(formatTime(1.214), '1.21ms');
    assert.equal(formatTime(5010), '5.01s');
    assert.equal(formatTime(62_500), '1m2.5s');
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(4821), '4.8 kB');
    assert.equal(formatBytes(48_210), '48 kB');
    assert.equal(formatBytes(1_234_567), '1.2 MB');
  });
  it('prints one dotted line per metric: trends as six aligned columns, counters as total and rate', () => {
    const store = new MetricsStore();
    store.merge({ counters: { ws_msgs_sent: 3, data_sent: 4821 }, trends: { ws_connecting: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ws_ping: [0.5] } });
    const text = formatSummary({ durationMs: 2000, metrics: store.snapshot(2000), completeIterations: 0, interruptedIterations: 0 });
    const lines = new Map(text.split('\n').map((line) => [line.trim().split('.')[0]!, line]));
    assert.equal(lines.get('ws_msgs_sent'), '     ws_msgs_sent..........: 3      1.5/s');
    assert.equal(lines.get('data_sent'), '     data_sent.............: 4.8 kB 2.4 kB/s');
    assert.match(lines.get('ws_connecting')!, /: avg=5\.5ms +min=1ms +med=5\.5ms +max=10ms +p\(90\)=9\.1ms +p\(95\)=9\.55ms$/);
    assert.match(lines.get('ws_ping')!, /: avg=500µs +min=500µs/);
    // Columns line up across trends.
    const column = (name: string) => lines.get(name)!.indexOf('min=');
    assert.equal(column('ws_connecting'), column('ws_ping'));
    assert.equal(column('ws_connecting'), column('ws_session_duration'));
  });
  it('exports k6 --summary-export JSON: trends in ms with k6 keys, counters with count and rate', () => {
    const store = new MetricsStore();
    store.merge({ counters: { ws_sessions: 4 }, trends: { ws_connecting: [2, 4] } });
    const json = summaryToJson({ durationMs: 4000, metrics: store.snapshot(4000), completeIterations: 2, interruptedIterations: 1 }) as {
      metrics: Record<string, Record<string, number>>; state: Record<string, number>;
    };
    assert.deepEqual(json.metrics['ws_connecting'], { avg: 3, min: 2, med: 3, max: 4, 'p(90)': 3.8, 'p(95)': 3.9 });
    assert.deepEqual(json.metrics['ws_sessions'], { count: 4, rate: 1 });
    assert.deepEqual(json.state, { testRunDurationMs: 4000, completeIterations: 2, interruptedIterations: 1 });
  });
});

describe('runner durations', () => {
  it('parses k6 duration strings; a bare number is seconds', () => {
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('2'), 2000);
    for (const bad of ['', 'abc', '10x', 's', '-1', '1m-3s']) assert.throws(() => parseDuration(bad), RangeError, bad);
  });
  it('formats durations for the header and the progress line', () => {
    assert.equal(formatDuration(10_000), '10s');
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(600_000), '10m');
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatElapsed(4_230), '0m04.2s');
    assert.equal(formatElapsed(83_400), '1m23.4s');
  });
});
