/**
 * `rfc6455 run …`: usage and setup errors, --env/--url reaching __ENV,
 * --serve embedding a service (the example chat server) for the run's
 * length, the printed summary and --summary-export, the live progress line
 * on a terminal and plain lines otherwise, and the bin entry's dispatch.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/tools/cli.js';
import { runRunCommand, type RunCommandIo } from '../../src/tools/runner/command.js';
import { scratchFolder } from './support/runner.js';

const ROOT = join(import.meta.dirname, '..', '..');
const scratch = scratchFolder('rfc6455-runner-cli-');

async function run(argv: string[], io: Partial<RunCommandIo> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runRunCommand(argv, { out: (text) => { out += text; }, err: (text) => { err += text; }, ...io });
  return { code, out, err };
}

describe('run command: usage', { timeout: 20_000 }, () => {
  it('--help prints the usage; usage and setup errors exit 2 with a message', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: rfc6455 run SCRIPT/);
    assert.match(help.out, /k6\/websockets/);
    const script = scratch.script('fine.mjs', 'export default function () {}\n');
    for (const [argv, message] of [
      [[], /a SCRIPT is needed/],
      [[script, script], /only one SCRIPT/],
      [[script, '--vus', '0'], /invalid --vus "0"/],
      [[script, '--iterations', '1.5'], /invalid --iterations "1.5"/],
      [[script, '--duration', 'soon'], /invalid --duration: invalid duration "soon"/],
      [[script, '--duration', '0s'], /it must be more than 0/],
      [[script, '--graceful-stop', '5x'], /invalid --graceful-stop/],
      [[script, '--env', 'NOVALUE'], /invalid --env "NOVALUE": use KEY=VALUE/],
      [[script, '--frobnicate'], /Unknown option '--frobnicate'/],
      [[join(scratch.path, 'missing.mjs')], /script not found/],
      [[script, '--serve', join(scratch.path, 'missing-service.mjs')], /cannot load --serve module/],
      [[script, '--serve', script], /must export a function serve\(\)/],
    ] as const) {
      const result = await run([...argv]);
      assert.equal(result.code, 2, argv.join(' '));
      assert.match(result.err, message);
    }
  });

  it('the bin entry dispatches `run`', async () => {
    const stdout = process.stdout.write;
    let text = '';
    process.stdout.write = ((chunk: string) => { text += chunk; return true; }) as typeof process.stdout.write;
    try {
      assert.equal(await main(['run', '--help']), 0);
      assert.equal(await main(['--help']), 0);
    } finally {
      process.stdout.write = stdout;
    }
    assert.match(text, /Usage: rfc6455 run SCRIPT/);
    assert.match(text, /run {11}k6-style load runner/);
  });
});

describe('run command: runs', { timeout: 30_000 }, () => {
  it('--env and --url reach __ENV; the summary is printed and --summary-export writes k6 JSON', async () => {
    const script = scratch.script('env.mjs', 'export default function () { console.log(`${__ENV.GREETING} ${__ENV.WS_URL} ${__ENV.PATH !== undefined}`); }\n');
    const exported = join(scratch.path, 'summary.json');
    const result = await run([script, '-e', 'GREETING=hello=world', '--url', 'ws://example.invalid/', '--vus', '2', '--summary-export', exported]);
    assert.equal(result.code, 0, result.err);
    assert.equal(result.out.split('\n').filter((line) => line.includes('hello=world ws://example.invalid/ true')).length, 2);
    assert.match(result.out, /scenario: 1 iteration for each of 2 VUs \(maxDuration: 10m, gracefulStop: 30s\)/);
    assert.match(result.out, /\n {5}iterations\.+: 2 +[\d.]+\/s\n/);
    assert.match(result.out, /\n {5}ws_msgs_received\.+: 0 +0\/s\n/);
    const json = JSON.parse(readFileSync(exported, 'utf8')) as { metrics: Record<string, Record<string, number>>; state: Record<string, number> };
    assert.equal(json.metrics['iterations']!['count'], 2);
    assert.deepEqual(Object.keys(json.metrics['ws_connecting']!), ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']);
    assert.equal(json.state['completeIterations'], 2);
  });

  it('--serve runs the script against the embedded chat server and closes it afterwards', async () => {
    const script = scratch.script('chat.mjs', `
      import { WebSocket } from 'k6/websockets';
      export default function () {
        const ws = new WebSocket(__ENV.WS_URL);
        ws.onopen = () => ws.send(JSON.stringify({ event: 'SET_NAME', new_name: 'VU ' + __VU }));
        ws.onmessage = (event) => {
          const message = JSON.parse(event.data);
          console.log(message.user + ' says: ' + message.message);
          ws.close();
        };
      }
    `);
    const result = await run([script, '--serve', join(ROOT, 'examples', 'chat-server.ts'), '--no-progress']);
    assert.equal(result.code, 0, result.err);
    const url = /^ service: (ws:\/\/127\.0\.0\.1:\d+\/ws) \(/m.exec(result.out);
    assert.ok(url !== null, result.out);
    assert.match(result.out, /INFO\[0000\] server says: VU 1 joined the chat +source=console/);
    assert.match(result.out, /\n {5}ws_msgs_received\.+: 1 /);
    // The service was closed with the run: nothing listens there any more.
    const { WebSocket } = await import('../../src/index.js');
    const probe = new WebSocket(url[1]!);
    const code = await new Promise<number>((resolve) => probe.addEventListener('close', (event) => resolve((event as unknown as { code: number }).code)));
    assert.equal(code, 1006);
  });

  it('progress: a live line redrawn in place on a terminal, plain periodic lines otherwise, only the final line with --no-progress', async () => {
    const script = scratch.script('progress.mjs', "export default function () { setTimeout(() => console.log('tick'), 300); }\n");
    const tty = await run([script, '--duration', '700ms'], { isTTY: true, columns: 60 });
    assert.equal(tty.code, 0);
    assert.match(tty.out, /\r\x1b\[2KINFO\[0000\] tick/, 'a log line clears the live line first');
    // Live draws are the chunks without a newline (the final line is printed whole).
    const live = tty.out.split('\r\x1b[2K').filter((chunk) => chunk.startsWith('running (') && !chunk.includes('\n'));
    assert.ok(live.length >= 3, 'redrawn several times');
    assert.ok(live.every((chunk) => chunk.length <= 59), 'kept within the terminal width');
    assert.match(tty.out, /running \(0m0\d\.\ds\), 0\/1 VUs, \d complete and 0 interrupted iterations \| ws: 0 sessions, 0 msgs sent, 0 received\n/);

    const plain = await run([script, '--iterations', '1']);
    assert.ok(!plain.out.includes('\r'), 'no carriage returns when not a terminal');
    assert.match(plain.out, /\nrunning \(0m00\.\ds\), 0\/1 VUs, 1 complete and 0 interrupted iterations/);
    // --no-progress: only the final state, once.
    const quiet = await run([script, '--iterations', '1', '--no-progress']);
    assert.equal(quiet.out.split('running (').length, 2);
    assert.match(quiet.out, /\nrunning \(0m00\.\ds\), 0\/1 VUs, 1 complete and 0 interrupted iterations/);
  });
});
