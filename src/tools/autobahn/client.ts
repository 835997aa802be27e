/**
 * The client side of Autobahn|Testsuite's `wstest -m fuzzingserver` (and of
 * `rfc6455 conformance client`), written with rfc6455's own WebSocket:
 * `GET /getCaseCount`, then `/runCase?case=N&agent=A` for each case, echoing
 * every message (text as text, binary as binary), then `/updateReports`.
 *
 *   npm run autobahn:client -- [ws://127.0.0.1:9001] [--agent rfc6455] [--cases PATTERN] [--deflate]
 *
 * With `--cases`, each case's id is fetched from `/getCaseInfo?case=N` and
 * cases that do not match are skipped (patterns: `*`, `1.*`, `6.4.*`, comma
 * lists, `!PATTERN` to exclude). The URL may also come from the environment
 * variable RFC6455_CONFORMANCE_URL.
 */
import { WebSocket, type WebSocketOptions } from '../../index.js';
import { matchesTerm, parseCasePattern, type CasePattern } from '../conformance/pattern.js';
import { isEntryPoint } from '../entry-point.js';
import { parseDriverArgs } from './args.js';

export interface AutobahnClientOptions {
  /** The fuzzing server, e.g. `ws://127.0.0.1:9001`. */
  readonly url: string;
  readonly agent?: string;
  /** Only run the cases whose id matches. */
  readonly cases?: string;
  /** Offer permessage-deflate. */
  readonly deflate?: boolean;
  /** Progress lines go here. Default: nowhere. */
  readonly log?: (line: string) => void;
}

/** Resolve with the first text message of a driver-protocol connection. */
function fetchText(url: string, options: WebSocketOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [], options);
    let text: string | undefined;
    ws.onmessage = (event) => {
      text ??= String(event.data);
    };
    ws.onerror = (event) => reject(event.error instanceof Error ? event.error : new Error(event.message));
    ws.onclose = () => (text === undefined ? reject(new Error(`no answer from ${url}`)) : resolve(text));
  });
}

/** Run one case: echo everything until the server closes. */
function runCase(url: string, options: WebSocketOptions): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, [], options);
    ws.binaryType = 'nodebuffer';
    ws.onmessage = (event) => ws.send(event.data as string | Buffer);
    ws.onclose = () => resolve();
  });
}

function matches(pattern: CasePattern, id: string): boolean {
  return pattern.include.some((term) => matchesTerm(term, id)) && !pattern.exclude.some((term) => matchesTerm(term, id));
}

/** Run the whole driver protocol; resolves with the number of cases run. */
export async function runAutobahnClient(options: AutobahnClientOptions): Promise<number> {
  const base = options.url.replace(/\/+$/, '');
  const agent = encodeURIComponent(options.agent ?? 'rfc6455');
  const log = options.log ?? (() => {});
  // The driver trusts its fuzzing server with big messages (section 9 sends 16 MiB).
  const wsOptions: WebSocketOptions = { maxPayload: 64 * 1024 * 1024, ...(options.deflate === true ? { perMessageDeflate: true } : {}) };
  const pattern = options.cases === undefined ? undefined : parseCasePattern(options.cases);
  const count = Number(await fetchText(`${base}/getCaseCount`, wsOptions));
  if (!Number.isInteger(count) || count < 0) throw new Error('the server sent an invalid case count');
  let run = 0;
  for (let n = 1; n <= count; n++) {
    let id = String(n);
    if (pattern !== undefined) {
      id = (JSON.parse(await fetchText(`${base}/getCaseInfo?case=${n}`, wsOptions)) as { id: string }).id;
      if (!matches(pattern, id)) continue;
    }
    log(`case ${id} (${n}/${count})`);
    await runCase(`${base}/runCase?case=${n}&agent=${agent}`, wsOptions);
    run++;
  }
  await fetchText(`${base}/updateReports?agent=${agent}`, wsOptions).catch(() => '');
  return run;
}

async function main(argv: readonly string[]): Promise<void> {
  const { options, positionals } = parseDriverArgs(argv, ['agent', 'cases'], ['deflate', 'quiet']);
  const url = positionals.at(-1) ?? process.env['RFC6455_CONFORMANCE_URL'] ?? 'ws://127.0.0.1:9001';
  const run = await runAutobahnClient({
    url,
    ...(typeof options.get('agent') === 'string' ? { agent: options.get('agent') as string } : {}),
    ...(typeof options.get('cases') === 'string' ? { cases: options.get('cases') as string } : {}),
    deflate: options.get('deflate') === true,
    ...(options.get('quiet') === true ? {} : { log: (line: string) => console.log(line) }),
  });
  console.log(`autobahn:client: ran ${run} cases against ${url}`);
}

if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`autobahn:client: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  });
}
