/**
 * The runner's virtual users: isolation (each VU its own globals and module
 * state, its own __VU, __ITER counting its iterations), what a VU provides
 * (timers, console, WebSocket, __ENV, the k6 module mapping), iteration and
 * duration accounting (shared iterations, one per VU, looping for a
 * duration; an iteration lasts until its timers and sockets are done), and
 * bounded stopping (graceful stop, then interruption closing sockets with
 * 1001, then termination of a VU stuck in a loop).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startRun } from '../../src/tools/runner/run.js';
import { eventually, metric, runCaptured, scratchFolder, startCountingEchoServer } from './support/runner.js';

const scratch = scratchFolder('rfc6455-runner-vus-');

describe('runner: VU isolation', { timeout: 20_000 }, () => {
  it('two VUs see different __VU, their own globals and module state, and __ITER counts each VU\'s iterations', async () => {
    const script = scratch.script('isolation.mjs', `
      import { WebSocket as K6WebSocket } from 'k6/websockets';
      globalThis.seen ??= [];
      globalThis.seen.push(__VU); // shared globals would show both VUs here
      const initVu = __VU;
      let calls = 0;
      export default function () {
        calls += 1;
        console.log(JSON.stringify({
          vu: __VU, iter: __ITER, initVu, calls, seen: globalThis.seen, mark: __ENV.MARK,
          provided: [typeof setTimeout, typeof setInterval, typeof clearTimeout, typeof clearInterval, WebSocket === K6WebSocket],
        }));
      }
    `);
    const { result, logs } = await runCaptured({ script, vus: 2, iterations: 8, env: { MARK: 'from-env' } });
    assert.equal(result.exitCode, 0);
    const records = logs.map((line) => JSON.parse(line) as { vu: number; iter: number; initVu: number; calls: number; seen: number[]; mark: string; provided: unknown[] });
    assert.equal(records.length, 8);
    assert.deepEqual(new Set(records.map((r) => r.vu)), new Set([1, 2]));
    for (const vu of [1, 2]) {
      const mine = records.filter((r) => r.vu === vu);
      assert.deepEqual(mine.map((r) => r.iter), mine.map((_, i) => i), `VU ${vu}: __ITER counts 0, 1, 2, …`);
      assert.deepEqual(mine.map((r) => r.calls), mine.map((_, i) => i + 1), `VU ${vu}: module state persists across its iterations`);
      for (const r of mine) {
        assert.equal(r.initVu, vu);
        assert.deepEqual(r.seen, [vu], 'globals do not leak between VUs');
        assert.equal(r.mark, 'from-env');
        assert.deepEqual(r.provided, ['function', 'function', 'function', 'function', true]);
      }
    }
    assert.equal(metric(result, 'iterations', 'counter').count, 8);
  });
});

describe('runner: iteration and duration accounting', { timeout: 30_000 }, () => {
  it('shares --iterations among the VUs exactly; without iterations or duration, each VU runs one', async () => {
    const script = scratch.script('count.mjs', 'export default function () { console.log(`${__VU}`); }\n');
    const shared = await runCaptured({ script, vus: 3, iterations: 7 });
    assert.equal(shared.logs.length, 7);
    assert.equal(shared.result.summary.completeIterations, 7);
    assert.equal(metric(shared.result, 'iterations', 'counter').count, 7);
    assert.equal(metric(shared.result, 'iteration_duration', 'trend').count, 7);
    const single = await runCaptured({ script, vus: 2 });
    assert.deepEqual(single.logs.sort(), ['1', '2']);
  });

  it('an iteration lasts until its timers have fired or been cleared and its sockets have closed', async (t) => {
    const echo = await startCountingEchoServer(t);
    const script = scratch.script('lifetime.mjs', `
      export default function () {
        let ticks = 0;
        const interval = setInterval(() => { if (++ticks === 3) clearInterval(interval); }, 30);
        const never = setTimeout(() => { throw new Error('cleared timers must not fire'); }, 50);
        clearTimeout(never);
        setTimeout(() => console.log('late timer'), 200);
        const ws = new WebSocket(__ENV.WS_URL);
        ws.onopen = () => setTimeout(() => ws.close(1000), 250);
        ws.onclose = () => console.log('closed');
      }
    `);
    const { result, logs } = await runCaptured({ script, vus: 1, iterations: 2, env: { WS_URL: echo.url } });
    assert.deepEqual(logs, ['late timer', 'closed', 'late timer', 'closed']);
    assert.equal(result.scriptErrors, 0);
    const duration = metric(result, 'iteration_duration', 'trend');
    assert.equal(duration.count, 2);
    assert.ok(duration.min >= 250, `iteration_duration min ${duration.min} ms covers the socket's 250 ms`);
    assert.deepEqual(echo.closeCodes, [1000, 1000]);
  });

  it('--duration: VUs loop until the time is up; iterations in flight finish within the graceful stop', async () => {
    const script = scratch.script('loop.mjs', 'export default function () { setTimeout(() => {}, 100); }\n');
    const started = performance.now();
    const { result } = await runCaptured({ script, vus: 2, durationMs: 700, gracefulStopMs: 1000 });
    const elapsed = performance.now() - started;
    const { completeIterations, interruptedIterations, durationMs } = result.summary;
    assert.equal(interruptedIterations, 0);
    // At most ~7 iterations of ~100 ms per VU in 700 ms; the last one, started before the end, finishes after it.
    assert.ok(completeIterations >= 4 && completeIterations <= 16, `complete iterations: ${completeIterations}`);
    // Ends after the 700 ms, and within it plus the 1 s graceful stop (+ 0.8 s for tearing
    // the VUs down on a loaded machine); a runner ignoring the duration would run for minutes.
    assert.ok(durationMs >= 700 && durationMs < 700 + 1000 + 800, `test duration ${durationMs} ms`);
    assert.ok(elapsed < 5000, `the run took ${elapsed} ms`);
  });

  it('after the graceful stop, running iterations are interrupted: timers cleared, sockets closed with 1001', async (t) => {
    const echo = await startCountingEchoServer(t);
    const script = scratch.script('endless.mjs', `
      export default function () {
        const ws = new WebSocket(__ENV.WS_URL);
        ws.onopen = () => setInterval(() => ws.send('tick'), 20); // never cleared, never closed
      }
    `);
    const started = performance.now();
    const { result } = await runCaptured({ script, vus: 2, durationMs: 300, gracefulStopMs: 200, closeGraceMs: 1000, env: { WS_URL: echo.url } });
    const elapsed = performance.now() - started;
    assert.equal(result.summary.completeIterations, 0);
    assert.equal(result.summary.interruptedIterations, 2);
    assert.equal(result.exitCode, 0);
    await eventually(() => echo.closeCodes.length === 2, 2000, 'both sockets closed');
    assert.deepEqual(echo.closeCodes, [1001, 1001]);
    assert.equal(metric(result, 'ws_session_duration', 'trend').count, 2);
    assert.ok(metric(result, 'ws_msgs_sent', 'counter').count > 0);
    assert.ok(elapsed < 4000, `the run took ${elapsed} ms`);
  });

  it('a VU stuck in a loop is terminated after the graceful stop and close grace; the others finish normally', async () => {
    const script = scratch.script('stuck.mjs', `
      export default function () {
        if (__VU === 1) setTimeout(() => { for (;;) {} }, 50); // never yields again
        else setTimeout(() => {}, 20);
      }
    `);
    const started = performance.now();
    const { result, out } = await runCaptured({ script, vus: 2, durationMs: 300, gracefulStopMs: 100, closeGraceMs: 100 });
    const elapsed = performance.now() - started;
    assert.match(out, /WARN\[\d{4}\] VU 1 did not stop in time; terminated/);
    assert.equal(result.summary.interruptedIterations, 1);
    assert.ok(result.summary.completeIterations >= 1, 'VU 2 went on');
    assert.ok(elapsed < 6000, `the run took ${elapsed} ms`);
  });

  it('stop() ends a run early: once gracefully, twice at once', async () => {
    const slow = scratch.script('slow.mjs', `export default function () { console.log('started'); setTimeout(() => {}, 400); }\n`);
    // An iteration that would take 20 s: ending well before proves it was interrupted,
    // however long the worker took to start on a loaded machine.
    const endless = scratch.script('endless.mjs', `export default function () { console.log('started'); setTimeout(() => {}, 20_000); }\n`);
    const start = (script: string) => {
      let out = '';
      const handle = startRun({ script, vus: 1, durationMs: 60_000, progress: 'off', output: { write: (text) => { out += text; }, isTTY: false } });
      return { handle, started: () => eventually(() => out.includes('started'), 10_000, 'first iteration') };
    };
    const graceful = start(slow);
    await graceful.started();
    graceful.handle.stop();
    const first = await graceful.handle.result;
    assert.equal(first.summary.interruptedIterations, 0);
    assert.equal(first.summary.completeIterations, 1);

    const immediate = start(endless);
    await immediate.started();
    const stopped = performance.now();
    immediate.handle.stop();
    immediate.handle.stop();
    const second = await immediate.handle.result;
    const afterStop = performance.now() - stopped;
    assert.equal(second.summary.interruptedIterations, 1);
    assert.equal(second.summary.completeIterations, 0);
    assert.ok(afterStop < 5000, `the run ended ${afterStop.toFixed(0)} ms after the second stop(); the iteration's timer was 20 s`);
  });
});
