#!/usr/bin/env node
/**
 * The `rfc6455` command: the project's tools behind one bin entry.
 *
 *   rfc6455 conformance server|client|list …   (see ./conformance/command.ts)
 *   rfc6455 run SCRIPT [options]               (see ./runner/command.ts)
 *
 * Tools are users of the library, not part of it: nothing under src/tools is
 * reachable from the package's exports.
 */
import { runConformanceCommand } from './conformance/command.js';
import { runRunCommand } from './runner/command.js';
import { isEntryPoint } from './entry-point.js';

const HELP = `Usage: rfc6455 <tool> [arguments]

Tools:
  conformance   Autobahn-compatible conformance tester for WebSocket servers and
                clients (run "rfc6455 conformance --help")
  run           k6-style load runner: virtual users play a script with
                rfc6455's WebSocket and k6's metrics (run "rfc6455 run --help")
`;

/** Dispatch to a tool; resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const io = {
    out: (text: string) => { process.stdout.write(text); },
    err: (text: string) => { process.stderr.write(text); },
  };
  const [tool, ...rest] = argv;
  if (tool === 'conformance') return runConformanceCommand(rest, io);
  if (tool === 'run') {
    return runRunCommand(rest, {
      ...io,
      isTTY: process.stdout.isTTY === true,
      ...(process.stdout.columns === undefined ? {} : { columns: process.stdout.columns }),
      handleSignals: true,
    });
  }
  if (tool === undefined || tool === '-h' || tool === '--help') {
    (tool === undefined ? io.err : io.out)(HELP);
    return tool === undefined ? 2 : 0;
  }
  io.err(`unknown tool "${tool}"\n\n${HELP}`);
  return 2;
}

if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
