/**
 * The runner's WebSocket metrics on scripted scenarios with known answers:
 * sessions, messages sent and received (sends after close() are not
 * counted), ping round trips, connecting and session times, and the bytes on
 * the wire — data_sent/data_received must equal, to the byte, what the peer
 * counted on its own sockets, handshakes included, also for a handshake the
 * server refuses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metric, runCaptured, scratchFolder, startCountingEchoServer, startNotFoundServer } from './support/runner.js';

const scratch = scratchFolder('rfc6455-runner-metrics-');

describe('runner: WebSocket metrics', { timeout: 20_000 }, () => {
  it('counts sessions, messages and pings exactly, and bytes as the server saw them', async (t) => {
    const echo = await startCountingEchoServer(t);
    // Each iteration: 2 sessions; each sends 5 texts and 1 binary (6 messages),
    // pings once, waits for the 6 echoes and the pong, closes, then tries to
    // send once more (not sent, so not counted).
    const script = scratch.script('known.mjs', `
      import { WebSocket } from 'k6/websockets';
      export default function () {
        for (let s = 0; s < 2; s++) {
          const ws = new WebSocket(__ENV.WS_URL);
          ws.binaryType = 'arraybuffer';
          let pending = 7;
          const done = () => {
            if (--pending > 0) return;
            ws.close(1000);
            ws.send('after close');
          };
          ws.onopen = () => {
            for (let i = 0; i < 5; i++) ws.send('message ' + i);
            ws.send(new Uint8Array(200));
            ws.ping('are you there');
          };
          ws.onmessage = done;
          ws.addEventListener('pong', done);
        }
      }
    `);
    const { result } = await runCaptured({ script, vus: 2, iterations: 4, env: { WS_URL: echo.url } });
    assert.equal(result.exitCode, 0);
    assert.equal(result.scriptErrors, 0);
    assert.deepEqual(metric(result, 'ws_sessions', 'counter').count, 8);
    assert.deepEqual(metric(result, 'ws_msgs_sent', 'counter').count, 48);
    assert.deepEqual(metric(result, 'ws_msgs_received', 'counter').count, 48);
    assert.equal(metric(result, 'iterations', 'counter').count, 4);
    const connecting = metric(result, 'ws_connecting', 'trend');
    const session = metric(result, 'ws_session_duration', 'trend');
    const ping = metric(result, 'ws_ping', 'trend');
    assert.equal(connecting.count, 8);
    assert.equal(session.count, 8);
    assert.equal(ping.count, 8);
    assert.ok(connecting.min > 0 && ping.min > 0);
    assert.ok(session.min >= connecting.min, 'a session includes its connecting time');
    assert.ok(connecting.min <= connecting.med && connecting.med <= connecting['p(90)'] && connecting['p(90)'] <= connecting['p(95)'] && connecting['p(95)'] <= connecting.max);
    // Bytes: exactly what the server read and wrote on the 8 connections.
    assert.equal(echo.totals.connections, 8);
    assert.equal(metric(result, 'data_sent', 'counter').count, echo.totals.read);
    assert.equal(metric(result, 'data_received', 'counter').count, echo.totals.written);
    // At least the 8 handshake requests and the masked frames: a sanity floor.
    assert.ok(echo.totals.read > 8 * (150 + 5 * 15 + 206));
    // Rates are per second of the test.
    const sent = metric(result, 'ws_msgs_sent', 'counter');
    assert.ok(Math.abs(sent.rate - 48 / (result.summary.durationMs / 1000)) < 1e-9);
  });

  it('a refused handshake is a session with no connecting time, and its bytes still count', async (t) => {
    const missing = await startNotFoundServer(t);
    const script = scratch.script('refused.mjs', `
      export default function () {
        const ws = new WebSocket(__ENV.WS_URL);
        ws.onerror = (event) => console.log('error: ' + event.error.code);
        ws.onclose = (event) => console.log('close: ' + event.code);
      }
    `);
    const { result, logs } = await runCaptured({ script, env: { WS_URL: missing.url } });
    assert.deepEqual(logs, ['error: WS_ERR_UNEXPECTED_STATUS', 'close: 1006']);
    assert.equal(metric(result, 'ws_sessions', 'counter').count, 1);
    assert.equal(metric(result, 'ws_connecting', 'trend').count, 0);
    assert.equal(metric(result, 'ws_session_duration', 'trend').count, 1);
    assert.equal(missing.totals.connections, 1);
    assert.equal(metric(result, 'data_sent', 'counter').count, missing.totals.read);
    assert.equal(metric(result, 'data_received', 'counter').count, missing.totals.written);
    assert.ok(missing.totals.read > 100);
  });

  it('the summary shows ws_ping only when pings were sent', async (t) => {
    const echo = await startCountingEchoServer(t);
    const script = scratch.script('noping.mjs', `
      export default function () {
        const ws = new WebSocket(__ENV.WS_URL);
        ws.onopen = () => ws.send('one');
        ws.onmessage = () => ws.close();
      }
    `);
    const { result } = await runCaptured({ script, env: { WS_URL: echo.url } });
    const names = result.summary.metrics.map((m) => m.name);
    assert.ok(!names.includes('ws_ping'));
    for (const name of ['ws_connecting', 'ws_session_duration', 'ws_sessions', 'ws_msgs_sent', 'ws_msgs_received', 'data_sent', 'data_received'] as const) {
      assert.ok(names.includes(name), name);
    }
    assert.equal(metric(result, 'ws_msgs_received', 'counter').count, 1);
  });
});
