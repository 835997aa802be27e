/**
 * `rfc6455 run SCRIPT …`: arguments, the embedded service, signals, the
 * summary and its JSON export, and the exit status. Kept apart from the bin
 * entry (../cli.ts) so tests can run it in-process.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RunOutput } from './console-output.js';
import { parseDuration } from './duration.js';
import { PROVIDED_MODULES } from './k6-modules.js';
import { RunSetupError, startRun, type RunOptions } from './run.js';
import { type EmbeddedService, startService } from './service.js';
import { formatSummary, summaryToJson } from './summary.js';

/** Where the command writes, and what it may know about the terminal. */
export interface RunCommandIo {
  /** Standard output, written as given (no newline added). */
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** stdout is a terminal: show the live progress line. Default false. */
  readonly isTTY?: boolean;
  /** The terminal's width. */
  readonly columns?: number;
  /** Stop gracefully on the first SIGINT/SIGTERM, at once on the second (the CLI sets this). Default false. */
  readonly handleSignals?: boolean;
}

/** The help text. */
export const RUN_USAGE = `Usage: rfc6455 run SCRIPT [options]

Runs a k6-style script — a module whose default export is the VU function —
with virtual users, each in its own worker thread, and prints k6's WebSocket
metrics. Each VU gets __VU, __ITER, __ENV, setTimeout/setInterval/clear*,
console, and WebSocket (rfc6455's); its script may import
${PROVIDED_MODULES.map((name) => `  ${name}`).join('\n')}
An iteration ends when the VU has no open socket and no pending timer.
TypeScript scripts need tsx (found next to rfc6455, the script, or in cwd).

Options:
  -u, --vus N               virtual users (default 1)
  -i, --iterations N        iterations shared by all VUs (default: 1 per VU,
                            or unlimited with --duration)
  -d, --duration D          run for D, e.g. 10s, 1m30s; each VU loops
      --graceful-stop D     time running iterations get to finish once the
                            duration is over (default 30s); then they are
                            interrupted (timers cleared, sockets closed with 1001)
      --max-duration D      bound for runs without --duration (default 10m)
      --url URL             the script's __ENV.WS_URL
  -e, --env KEY=VALUE       add to __ENV (repeatable); the process environment
                            is included too
      --serve MODULE        start the service MODULE exports as
                            serve(): Promise<{ url, close() }> in this process
                            first; its url becomes __ENV.WS_URL (unless --url)
      --summary-export FILE write the summary as JSON (k6's format)
      --no-progress         no progress display (the final state is still printed)
  -h, --help                show this help

Exit status: 0 when the run completed (errors inside iterations are reported
and counted, not fatal, as in k6); 1 when a VU could not load the script;
2 for usage and setup errors.
`;

function positiveInteger(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`invalid ${name} "${text}": a positive integer is needed`);
  return value;
}

function duration(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`invalid ${name}: ${(error as Error).message}`);
  }
}

class UsageError extends Error {}

/** Run the command; resolves with the exit status. */
export async function runRunCommand(argv: readonly string[], io: RunCommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        vus: { type: 'string', short: 'u' },
        iterations: { type: 'string', short: 'i' },
        duration: { type: 'string', short: 'd' },
        'graceful-stop': { type: 'string' },
        'max-duration': { type: 'string' },
        url: { type: 'string' },
        env: { type: 'string', short: 'e', multiple: true },
        serve: { type: 'string' },
        'summary-export': { type: 'string' },
        'no-progress': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${RUN_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(RUN_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.err(`${positionals.length === 0 ? 'a SCRIPT is needed' : 'only one SCRIPT may be given'}\n\n${RUN_USAGE}`);
    return 2;
  }
  const output: RunOutput = { write: io.out, isTTY: io.isTTY === true, ...(io.columns === undefined ? {} : { columns: io.columns }) };
  let options: RunOptions;
  const env: Record<string, string> = {};
  try {
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
    for (const pair of values.env ?? []) {
      const equals = pair.indexOf('=');
      if (equals <= 0) throw new UsageError(`invalid --env "${pair}": use KEY=VALUE`);
      env[pair.slice(0, equals)] = pair.slice(equals + 1);
    }
    const vus = positiveInteger(values.vus, '--vus');
    const iterations = positiveInteger(values.iterations, '--iterations');
    const durationMs = duration(values.duration, '--duration');
    const gracefulStopMs = duration(values['graceful-stop'], '--graceful-stop');
    const maxDurationMs = duration(values['max-duration'], '--max-duration');
    if (durationMs === 0) throw new UsageError('invalid --duration: it must be more than 0');
    options = {
      script: positionals[0]!,
      env,
      output,
      progress: values['no-progress'] === true ? 'off' : 'auto',
      ...(vus === undefined ? {} : { vus }),
      ...(iterations === undefined ? {} : { iterations }),
      ...(durationMs === undefined ? {} : { durationMs }),
      ...(gracefulStopMs === undefined ? {} : { gracefulStopMs }),
      ...(maxDurationMs === undefined ? {} : { maxDurationMs }),
    };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n\n${RUN_USAGE}`);
    return 2;
  }

  let service: EmbeddedService | null = null;
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  let onSignal: (() => void) | null = null;
  try {
    if (values.serve !== undefined) {
      service = await startService(values.serve);
      io.out(` service: ${service.url} (${values.serve})\n`);
      if (values.url === undefined) env['WS_URL'] = service.url;
    }
    if (values.url !== undefined) env['WS_URL'] = values.url;
    const run = startRun(options);
    if (io.handleSignals === true) {
      let count = 0;
      onSignal = () => {
        count += 1;
        io.err(count === 1 ? '\nstopping: running iterations may finish (again to interrupt them)\n' : '\ninterrupting\n');
        run.stop();
      };
      for (const signal of signals) process.on(signal, onSignal);
    }
    const result = await run.result;
    io.out(`\n${formatSummary(result.summary)}\n\n`);
    if (values['summary-export'] !== undefined) {
      writeFileSync(values['summary-export'], `${JSON.stringify(summaryToJson(result.summary), null, 2)}\n`);
      io.out(`summary written to ${values['summary-export']}\n`);
    }
    return result.exitCode;
  } catch (error) {
    if (error instanceof RunSetupError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    if (onSignal !== null) for (const signal of signals) process.off(signal, onSignal);
    await service?.close();
  }
}
