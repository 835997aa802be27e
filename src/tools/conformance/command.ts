/**
 * `rfc6455 conformance …`: argument parsing, progress output, reports and the
 * exit status. Kept apart from the bin entry (../cli.ts) so tests can run it
 * in-process.
 */
import { parseArgs } from 'node:util';
import { buildCatalogue, sectionOf } from './catalogue.js';
import { PatternError, selectCaseIds } from './pattern.js';
import { writeReports } from './report.js';
import { runPassed, type RunReport } from './run.js';
import { formatSummary } from './summary.js';
import { testClient } from './test-client.js';
import { ConformanceSetupError, testServer } from './test-server.js';
import type { CaseResult, Verdict } from './types.js';

/** Where the command writes. */
export interface CommandIo {
  /** Standard output, written as given (no newline added). */
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** The help text. */
export const USAGE = `Usage:
  rfc6455 conformance server URL [options]
      Test a WebSocket echo server at URL (ws://HOST:PORT[/path] or wss://…),
      like wstest -m fuzzingclient.
  rfc6455 conformance client [--port 9001] [--host 127.0.0.1] [options] -- COMMAND [ARGS...]
      Serve the Autobahn driver protocol and test the WebSocket client that
      COMMAND runs, like wstest -m fuzzingserver. COMMAND gets the server URL
      as its last argument (or wherever {url} appears in ARGS) and in the
      environment variable RFC6455_CONFORMANCE_URL.
  rfc6455 conformance list [--cases PATTERN] [--quick]
      List the cases.

Options:
  --cases PATTERN    cases to run, e.g. '*' (default), '1.*', '6.4.*', '2.1,2.2',
                     '*,!9.*' (! excludes)
  --quick            smaller section 9 payloads (at most 1 MiB), 20 instead of 1000
                     messages in sections 12–13, and shorter waits
  --agent NAME       server mode: the server's name in reports (default UnknownServer)
  --report-dir DIR   where to write reports (default reports/conformance/<mode>)
  --no-report        write no report files
  --strict           exit 1 on NON-STRICT cases too
  --verbose          print every case as it finishes
  --insecure         wss://: accept any certificate
  --timeout SECONDS  client mode: kill COMMAND after this long
                     (default: the cases' time budgets added up, plus a minute)
  -h, --help         show this help

Exit status: 0 when no case FAILED; 1 when some did (or, client mode, when
cases were never run); 2 for usage and setup errors.
`;

const SYMBOL: Readonly<Record<Verdict, string>> = {
  OK: '.', 'NON-STRICT': 'N', INFORMATIONAL: 'i', UNIMPLEMENTED: 'u', FAILED: 'F',
};

/** Prints one character per case, a line per section (or a line per case with --verbose). */
function progress(io: CommandIo, verbose: boolean): { onResult: (result: CaseResult) => void; end: () => void } {
  let section = '';
  return {
    onResult(result) {
      if (verbose) {
        io.out(`${result.id.padEnd(8)} ${result.outcome.padEnd(13)} behaviour ${result.behavior}, close ${result.behaviorClose} ` +
          `(${result.closing.remoteCloseCode ?? '-'}), ${result.duration} ms${result.agent === 'UnknownServer' ? '' : `  [${result.agent}]`}\n`);
        return;
      }
      const s = sectionOf(result.id);
      if (s !== section) {
        io.out(`${section === '' ? '' : '\n'}section ${s.padStart(2)} `);
        section = s;
      }
      io.out(SYMBOL[result.outcome]);
    },
    end() {
      if (!verbose && section !== '') io.out('\n');
    },
  };
}

/** Run the command; resolves with the exit status. */
export async function runConformanceCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const dashes = argv.indexOf('--');
  const own = dashes < 0 ? [...argv] : argv.slice(0, dashes);
  const command = dashes < 0 ? [] : argv.slice(dashes + 1);
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      allowPositionals: true,
      options: {
        cases: { type: 'string' },
        quick: { type: 'boolean' },
        agent: { type: 'string' },
        'report-dir': { type: 'string' },
        'no-report': { type: 'boolean' },
        strict: { type: 'boolean' },
        verbose: { type: 'boolean' },
        insecure: { type: 'boolean' },
        port: { type: 'string' },
        host: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [mode, ...rest] = positionals;
  if (values.help === true || mode === undefined) {
    (values.help === true ? io.out : io.err)(USAGE);
    return values.help === true ? 0 : 2;
  }
  const quick = values.quick === true;
  const cases = values.cases ?? '*';

  try {
    if (mode === 'list') {
      const catalogue = buildCatalogue({ quick });
      const ids = new Set(selectCaseIds(catalogue.map((c) => c.id), cases));
      for (const spec of catalogue.filter((c) => ids.has(c.id))) {
        io.out(`${spec.id.padEnd(8)} ${spec.unimplemented === undefined ? '' : '[UNIMPLEMENTED] '}${spec.description}\n`);
      }
      return 0;
    }
    if (mode !== 'server' && mode !== 'client') {
      io.err(`unknown mode "${mode}": use server, client or list\n\n${USAGE}`);
      return 2;
    }
    const verbose = values.verbose === true;
    const show = progress(io, verbose);
    let report: RunReport;
    let startError: string | null = null;
    if (mode === 'server') {
      const url = rest[0];
      if (url === undefined || rest.length > 1 || command.length > 0) {
        io.err(`server mode takes exactly one URL\n\n${USAGE}`);
        return 2;
      }
      report = await testServer({
        url, cases, quick, insecure: values.insecure === true,
        ...(values.agent === undefined ? {} : { agent: values.agent }),
        onResult: show.onResult,
      });
    } else {
      if (command.length === 0 || rest.length > 0) {
        io.err(`client mode needs a command after --\n\n${USAGE}`);
        return 2;
      }
      const port = values.port === undefined ? 9001 : Number(values.port);
      const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        io.err(`invalid --port "${values.port ?? ''}"\n`);
        return 2;
      }
      if (timeout !== undefined && !(timeout > 0)) {
        io.err(`invalid --timeout "${values.timeout ?? ''}"\n`);
        return 2;
      }
      const clientReport = await testClient({
        command: command[0]!, args: command.slice(1), port, cases, quick,
        ...(values.host === undefined ? {} : { host: values.host }),
        ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }),
        onResult: show.onResult,
        onListening: (url) => io.out(`fuzzing server listening on ${url}; running: ${command.join(' ')}\n`),
      });
      startError = clientReport.startError;
      report = clientReport;
    }
    show.end();
    if (startError !== null) {
      io.err(`cannot start ${command[0] ?? ''}: ${startError}\n`);
      return 2;
    }
    if (values['no-report'] !== true) {
      const dir = values['report-dir'] ?? `reports/conformance/${mode}`;
      const html = writeReports(dir, report);
      io.out(`\nReports: ${html}\n`);
    }
    io.out(`\n${formatSummary(report)}\n`);
    const passed = runPassed(report, { strict: values.strict === true });
    io.out(`\n${passed ? 'PASS' : 'FAIL'}${values.strict === true ? ' (strict)' : ''}\n`);
    return passed ? 0 : 1;
  } catch (error) {
    if (error instanceof PatternError || error instanceof ConformanceSetupError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      io.err(`cannot listen: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}
