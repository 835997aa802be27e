/**
 * Script errors in the runner: a syntax error (TypeScript and JavaScript), a
 * throw while loading, a missing default function, an unknown k6 module, an
 * exception in the default function, and callbacks that throw or reject are
 * each reported with the script's file and line and counted — and the other
 * VUs go on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayPath } from '../../src/tools/runner/script-errors.js';
import { metric, runCaptured, scratchFolder, startCountingEchoServer } from './support/runner.js';

const scratch = scratchFolder('rfc6455-runner-errors-');

describe('runner: script errors while loading', { timeout: 30_000 }, () => {
  it('a TypeScript syntax error names file:line:column; every VU fails, reported once, exit 1', async () => {
    const script = scratch.script('syntax.ts', 'const a: number = 1;\nexport default function (): void {\n  let x = ;\n}\n');
    const { result, errors, out } = await runCaptured({ script, vus: 2 });
    assert.equal(result.exitCode, 1);
    assert.equal(result.failedVus, 2);
    assert.equal(result.scriptErrors, 2);
    assert.equal(metric(result, 'script_errors', 'counter').count, 2);
    assert.equal(errors.length, 1, out);
    assert.ok(errors[0]!.includes(`${displayPath(script)}:3:10: SyntaxError: Unexpected ";"`), errors[0]);
    assert.match(out, /2 of 2 VUs could not load the script/);
    assert.equal(result.summary.completeIterations, 0);
  });

  it('a JavaScript syntax error names file:line', async () => {
    const script = scratch.script('syntax.mjs', 'export default function () {\n  console.log("fine");\n  return )\n}\n');
    const { result, errors } = await runCaptured({ script });
    assert.equal(result.exitCode, 1);
    assert.ok(errors[0]!.includes(`${displayPath(script)}:3: SyntaxError: Unexpected token ')'`), errors[0]);
  });

  it('a throw while loading, a missing default function and an unknown k6 module are load errors with their cause', async () => {
    const throwing = scratch.script('init-throw.mjs', 'const config = {};\nconfig.missing.field = 1;\nexport default function () {}\n');
    const thrown = await runCaptured({ script: throwing });
    assert.equal(thrown.result.exitCode, 1);
    assert.ok(thrown.errors[0]!.includes(`${displayPath(throwing)}:2:22: TypeError: Cannot set properties of undefined`), thrown.errors[0]);

    const noDefault = scratch.script('no-default.mjs', 'export const options = {};\n');
    const missing = await runCaptured({ script: noDefault });
    assert.equal(missing.result.exitCode, 1);
    assert.match(missing.errors[0]!, /no-default\.mjs: TypeError: the script must export a default function/);

    const http = scratch.script('http.mjs', "import http from 'k6/http';\nexport default function () {}\n");
    const unknown = await runCaptured({ script: http });
    assert.equal(unknown.result.exitCode, 1);
    assert.match(unknown.errors[0]!, /rfc6455 run does not provide "k6\/http" \(it provides k6\/websockets, /);
  });
});

describe('runner: script errors while running', { timeout: 30_000 }, () => {
  it('an exception in the default function is reported with its line and counted; the other VU goes on', async () => {
    const script = scratch.script('throws.ts', [
      'export default function (): void {',
      '  if (__VU === 1) {',
      '    throw new Error(`boom in iteration ${__ITER}`);',
      '  }',
      "  console.log('VU 2 fine');",
      '}',
      'declare const __VU: number;',
      'declare const __ITER: number;',
      '',
    ].join('\n'));
    const { result, errors, logs } = await runCaptured({ script, vus: 2, iterations: 6 });
    assert.equal(result.exitCode, 0, 'errors inside iterations do not fail the run');
    const vu1Errors = errors.filter((line) => line.includes('vu=1'));
    assert.ok(vu1Errors.length >= 1);
    assert.equal(errors.length, vu1Errors.length, 'only VU 1 failed');
    assert.equal(result.scriptErrors, errors.length);
    assert.equal(logs.length + errors.length, 6, 'every iteration ran, failed or not');
    assert.ok(logs.every((line) => line === 'VU 2 fine'));
    assert.match(vu1Errors[0]!, new RegExp(`^ERRO\\[\\d{4}\\] ${escape(displayPath(script))}:3:11: Error: boom in iteration 0 +vu=1 iter=0 source=stacktrace$`));
    assert.equal(metric(result, 'script_errors', 'counter').count, errors.length);
  });

  it('a listener that throws ends its iteration (sockets closed with 1001) and is reported with its line; the other VU goes on', async (t) => {
    const echo = await startCountingEchoServer(t);
    const script = scratch.script('handler.mjs', [
      'export default function () {',
      '  const ws = new WebSocket(__ENV.WS_URL);',
      "  ws.onopen = () => ws.send(__VU === 1 ? 'not json' : '{\"ok\":true}');",
      '  ws.onmessage = (event) => {',
      '    const message = JSON.parse(event.data);',
      "    console.log('parsed ' + message.ok);",
      '    ws.close();',
      '  };',
      '}',
      '',
    ].join('\n'));
    const { result, errors, logs } = await runCaptured({ script, vus: 2, iterations: 4, env: { WS_URL: echo.url } });
    assert.equal(result.exitCode, 0);
    assert.ok(errors.length >= 1 && errors.every((line) => line.includes('vu=1')));
    assert.match(errors[0]!, new RegExp(`${escape(displayPath(script))}:5:26: SyntaxError: Unexpected token 'o', "not json" is not valid JSON +vu=1 iter=0 source=stacktrace$`));
    assert.equal(logs.length + errors.length, 4);
    assert.ok(logs.every((line) => line === 'parsed true'));
    // VU 1's sockets were closed by the runner (1001); VU 2's by the script (1005: close() without a code).
    assert.deepEqual([...new Set(echo.closeCodes)].sort(), [1001, 1005]);
    assert.equal(echo.closeCodes.filter((code) => code === 1001).length, errors.length);
  });

  it('a timer callback that throws and an async default function that rejects are reported with their lines', async () => {
    const script = scratch.script('callbacks.mjs', [
      'export default async function () {',
      '  if (__ITER === 0) {',
      "    setTimeout(() => { throw new RangeError('from a timer'); }, 10);",
      '    return;',
      '  }',
      '  await new Promise((resolve) => setTimeout(resolve, 10));',
      "  throw new TypeError('from a promise');",
      '}',
      '',
    ].join('\n'));
    const { result, errors } = await runCaptured({ script, vus: 1, iterations: 2 });
    assert.equal(errors.length, 2);
    assert.ok(errors[0]!.includes(`${displayPath(script)}:3:30: RangeError: from a timer`), errors[0]);
    assert.ok(errors[1]!.includes(`${displayPath(script)}:7:9: TypeError: from a promise`), errors[1]);
    assert.equal(result.summary.completeIterations, 2);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
