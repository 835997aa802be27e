/**
 * `rfc6455 conformance …`: arguments, exit status, progress and summary
 * output, and the report files (Autobahn's index.json shape, per-case JSON,
 * the HTML page). Run in-process, plus one real process through the bin entry.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../src/tools/cli.js';
import { runConformanceCommand } from '../../src/tools/conformance/command.js';
import { startTcpServer, startWsEchoServer } from './support/peers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DRIVER = join(import.meta.dirname, 'support', 'ws-driver.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'rfc6455-conformance-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runConformanceCommand(argv, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

describe('conformance command: usage', () => {
  it('--help prints the usage and exits 0; no arguments exit 2', async () => {
    const help = await run('--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /rfc6455 conformance server URL/);
    assert.equal((await run()).code, 2);
  });
  it('usage errors exit 2 with a message', async () => {
    for (const [argv, message] of [
      [['bogus'], /unknown mode "bogus"/],
      [['server'], /exactly one URL/],
      [['server', 'ws://a', 'ws://b'], /exactly one URL/],
      [['client', '--port', '9001'], /needs a command after --/],
      [['client', '--port', 'x', '--', 'true'], /invalid --port/],
      [['client', '--timeout', '0', '--', 'true'], /invalid --timeout/],
      [['list', '--cases', '8.*'], /matches no case/],
      [['list', '--no-such-option'], /Unknown option/],
      [['server', 'http://127.0.0.1:1'], /ws:\/\/ or wss:\/\//],
    ] as const) {
      const result = await run(...argv);
      assert.equal(result.code, 2, argv.join(' '));
      assert.match(result.err, message);
    }
  });
  it('list prints the selected cases with their descriptions (sections 12–13 included)', async () => {
    const result = await run('list', '--cases', '6.4.*,12.1.1');
    assert.equal(result.code, 0);
    const lines = result.out.trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(' ')[0]), ['6.4.1', '6.4.2', '6.4.3', '6.4.4', '12.1.1']);
    assert.match(lines[4]!, /^12\.1\.1 {3}Send 1000 compressed messages each of payload size 16, auto-fragment to 0 octets\. Use default permessage-deflate offer\./);
    assert.doesNotMatch(result.out, /UNIMPLEMENTED/);
  });
  it('the bin entry dispatches to tools', async () => {
    const stdout = process.stdout.write;
    const stderr = process.stderr.write;
    let text = '';
    process.stdout.write = process.stderr.write = ((chunk: string) => { text += chunk; return true; }) as typeof process.stdout.write;
    try {
      assert.equal(await main(['--help']), 0);
      assert.equal(await main([]), 2);
      assert.equal(await main(['frobnicate']), 2);
      assert.equal(await main(['conformance', 'list', '--cases', '1.1.1']), 0);
    } finally {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
    }
    assert.match(text, /unknown tool "frobnicate"/);
    assert.match(text, /1\.1\.1 {4}Send a text message/);
  });
});

describe('conformance command: runs', { timeout: 60_000 }, () => {
  it('server mode writes Autobahn-shaped reports and exits 0 (1 with --strict on NON-STRICT)', async (t) => {
    const peer = await startWsEchoServer();
    t.after(() => peer.close());
    const dir = join(scratch, 'server');
    const result = await run('server', peer.url, '--cases', '1.1.1,6.4.1,12.1.1', '--quick', '--agent', 'ws 8.x', '--report-dir', dir);
    assert.equal(result.code, 0, result.out + result.err);
    assert.match(result.out, /section {2}1 \.\nsection {2}6 N\nsection 12 u\n/);
    assert.match(result.out, /Agent: ws 8\.x/);
    assert.match(result.out, /NON-STRICT:\n {2}6\.4\.1 {4}behaviour NON-STRICT/);
    assert.match(result.out, /\nPASS\n/);

    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    assert.deepEqual(Object.keys(index), ['ws 8.x']);
    assert.deepEqual(index['ws 8.x']!['1.1.1'], {
      behavior: 'OK', behaviorClose: 'OK', duration: index['ws 8.x']!['1.1.1']!['duration'], remoteCloseCode: 1000, reportfile: 'ws_8_x_case_1_1_1.json',
    });
    assert.equal(index['ws 8.x']!['6.4.1']!['behavior'], 'NON-STRICT');
    assert.equal(index['ws 8.x']!['12.1.1']!['behavior'], 'UNIMPLEMENTED');
    const detail = JSON.parse(readFileSync(join(dir, 'ws_8_x_case_6_4_1.json'), 'utf8')) as { wirelog: { t: number; kind: string; text: string }[]; received: string[] };
    assert.ok(detail.wirelog.some((e) => e.kind === 'timeout' && e.text.includes('wait B')));
    assert.deepEqual(detail.received.map((r) => r.replace(/ @.*/, '')), ['timeout A', 'timeout B']);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    assert.match(html, /<td class="nonstrict"><a href="#d-ws-8-x-6-4-1">NON-STRICT<\/a>/);
    assert.match(html, /<details id="d-ws-8-x-6-4-1">/);
    assert.ok(!/<script|https?:\/\//.test(html), 'self-contained');
    const runInfo = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { counts: Record<string, Record<string, number>> };
    assert.deepEqual(runInfo.counts['ws 8.x'], { OK: 1, 'NON-STRICT': 1, INFORMATIONAL: 0, UNIMPLEMENTED: 1, FAILED: 0, MISSING: 0 });

    const strict = await run('server', peer.url, '--cases', '6.4.1', '--quick', '--no-report', '--strict', '--verbose');
    assert.equal(strict.code, 1);
    assert.match(strict.out, /^6\.4\.1 {4}NON-STRICT {4}behaviour NON-STRICT, close OK \(1007\)/m);
    assert.match(strict.out, /\nFAIL \(strict\)\n/);
  });

  it('server mode exits 1 when a case FAILED, 2 when nothing listens', async (t) => {
    const silent = await startTcpServer((socket) => socket.end('HTTP/1.1 404 Not Found\r\n\r\n'));
    t.after(() => silent.close());
    const failed = await run('server', silent.url, '--cases', '1.1.1', '--no-report');
    assert.equal(failed.code, 1);
    assert.match(failed.out, /FAILED:\n {2}1\.1\.1 {4}behaviour FAILED, close FAILED: The opening handshake failed/);
    const closed = await startTcpServer(() => undefined);
    await closed.close();
    const unreachable = await run('server', closed.url, '--cases', '1.1.1', '--no-report');
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.err, /cannot reach/);
  });

  it('client mode runs the command and exits 0', async () => {
    const dir = join(scratch, 'client');
    const result = await run('client', '--port', '0', '--quick', '--cases', '1.1.1,2.1', '--report-dir', dir, '--', process.execPath, DRIVER);
    assert.equal(result.code, 0, result.out + result.err);
    assert.match(result.out, /fuzzing server listening on ws:\/\/127\.0\.0\.1:\d+; running: /);
    assert.match(result.out, /MISSING/);
    assert.ok(existsSync(join(dir, 'ws_driver_case_2_1.json')));
    const missing = await run('client', '--port', '0', '--cases', '1.1.1', '--no-report', '--', join(scratch, 'no-such-driver'));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot start .*no-such-driver: spawn .* ENOENT/);
  });

  it('a real process: node src/tools/cli.ts (exit status through process.exitCode)', () => {
    const help = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'tools', 'cli.ts'), 'conformance', '--help'], { encoding: 'utf8', cwd: ROOT });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /Usage:/);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'tools', 'cli.ts'), 'conformance', 'list', '--cases', '99.*'], { encoding: 'utf8', cwd: ROOT });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /matches no case/);
  });
});
