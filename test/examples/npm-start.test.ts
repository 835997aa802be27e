/**
 * `npm start` itself, as a new user runs it: the k6 chat example against the
 * embedded chat server, 2 VUs for about 10 s. It must exit 0 by itself and
 * print the VU log lines and a summary with every WebSocket metric, with
 * messages received.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');

/** `npm start` through the npm that runs the tests when there is one (npm test), else the one on PATH. */
function npmStart() {
  const npm = process.env['npm_execpath'];
  const [command, args] = npm !== undefined && npm.endsWith('.js') ? [process.execPath, [npm, 'start']] : ['npm', ['start']];
  return spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
}

describe('npm start', { timeout: 60_000 }, () => {
  it('plays the k6 chat example against the embedded chat server and exits 0 with a summary', async () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts['start'] ?? '', /run examples\/k6-chat\.ts --serve examples\/chat-server\.ts/, 'package.json scripts.start runs the k6 chat example');

    const child = npmStart();
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; });
    const started = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      child.once('exit', (status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });
    const seconds = (performance.now() - started) / 1000;
    assert.equal(code, 0, `npm start exited ${code}\n${out}\n${err}`);
    assert.ok(seconds >= 10 && seconds < 30, `npm start took ${seconds.toFixed(1)} s`);

    // The embedded service, then the VUs' own log lines (k6's console.log lines, verbatim).
    assert.match(out, /^ service: ws:\/\/127\.0\.0\.1:\d+\/ws \(examples\/chat-server\.ts\)$/m);
    assert.match(out, /^scenario: 2 VUs looping for 10s \(gracefulStop: 5s\)$/m);
    for (const vu of [1, 2]) {
      assert.match(out, new RegExp(`^INFO\\[\\d{4}\\] VU ${vu}:[0-3] received: server says: VU \\d:[0-3] joined the chat +source=console$`, 'm'));
      assert.match(out, new RegExp(`^INFO\\[\\d{4}\\] VU ${vu}:[0-3]: \\d+ms passed, leaving the chat +source=console$`, 'm'));
      assert.match(out, new RegExp(`^INFO\\[\\d{4}\\] VU ${vu}:[0-3]: disconnected +source=console$`, 'm'));
    }
    assert.match(out, /^INFO\[\d{4}\] Closing the socket forcefully 3s after graceful LEAVE +source=console$/m);
    assert.doesNotMatch(out, /source=stacktrace|ERRO\[/);

    // The summary: every WebSocket metric, with traffic.
    const count = (name: string): number => {
      const line = new RegExp(`^ {5}${name}\\.+: (\\d+) `, 'm').exec(out);
      assert.ok(line !== null, `${name} in the summary:\n${out}`);
      return Number(line[1]);
    };
    assert.ok(count('ws_msgs_received') > 0);
    assert.ok(count('ws_msgs_sent') > 0);
    assert.ok(count('ws_sessions') >= 8, 'each VU opens four sockets per iteration');
    for (const trend of ['ws_connecting', 'ws_session_duration', 'iteration_duration']) {
      assert.match(out, new RegExp(`^ {5}${trend}\\.+: avg=\\S+ +min=\\S+ +med=\\S+ +max=\\S+ +p\\(90\\)=\\S+ +p\\(95\\)=\\S+$`, 'm'));
    }
    assert.match(out, /^ {5}data_sent\.+: [\d.]+ k?B +[\d.]+ k?B\/s$/m);
    assert.match(out, /^ {5}data_received\.+: [\d.]+ k?B +[\d.]+ k?B\/s$/m);
  });
});
