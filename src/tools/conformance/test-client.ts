/**
 * Testing a client (what `wstest -m fuzzingserver` does): the tester listens,
 * and a client driver connects to it following Autobahn's driver protocol:
 *
 * - `GET /getCaseInfo?case=N` — one text message, `{"id", "description"}` of
 *   case N (as Autobahn's fuzzingserver answers); for sections 12–13 also
 *   `"permessageDeflate": {"offer", "accept"}`: the offer Autobahn's client
 *   makes in that case and how the tester accepts offers (a driver may mirror
 *   the offer; it does not have to).
 * - `GET /getCaseCount` — the tester sends one text message, the number of
 *   cases (as JSON), then closes;
 * - `GET /runCase?case=N&agent=A` — the tester runs case N (1-based) on this
 *   connection; the client must echo every message it receives. In sections
 *   12–13 the tester answers the client's permessage-deflate offer as the
 *   case's server configuration says (Autobahn's fuzzing server); a client
 *   that offers nothing it can accept gets UNIMPLEMENTED;
 * - `GET /updateReports?agent=A` — the tester writes the reports, then closes.
 *
 * {@link testClient} also starts the driver: COMMAND is spawned with the
 * server's URL appended as its last argument (or substituted for every `{url}`
 * in the arguments) and in the environment as `RFC6455_CONFORMANCE_URL`, and
 * the run ends when it exits (or after a timeout, when it is killed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { buildCatalogue } from './catalogue.js';
import { clearPayloadCache } from './bytes.js';
import { FrameReader } from './frame-reader.js';
import { buildFrame, closePayload } from './frame-writer.js';
import { acceptUpgrade, checkUpgradeRequest, readRequest, rejectRequest, type ReadRequest } from './handshake.js';
import { selectCaseIds } from './pattern.js';
import { answerClientOffers, describeAgreement, EXTENSION, formatOffers } from './permessage-deflate.js';
import { handshakeFailedResult, runCaseOnSocket, unimplementedResult, type Negotiation, type RunContext } from './result.js';
import type { RunReport } from './run.js';
import { caseBudget, DEFAULT_TIMING, type SessionTiming } from './timing.js';
import type { CaseResult, CaseSpec } from './types.js';

/** Environment variable that carries the fuzzing server's URL to the driver. */
export const URL_ENV = 'RFC6455_CONFORMANCE_URL';

/** Options of {@link FuzzingServer.start}. */
export interface FuzzingServerOptions {
  /** Port to listen on; 0 picks a free one. Default 9001. */
  readonly port?: number;
  /** Address to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Case pattern (see pattern.ts). Default `*`. */
  readonly cases?: string;
  /** Smaller section 9 payloads and shorter waits. Default false. */
  readonly quick?: boolean;
  /** Closing-handshake timeouts. Default 1000 ms each. */
  readonly timing?: Partial<SessionTiming>;
  /** Called by `/updateReports` (e.g. to write report files). */
  readonly onUpdateReports?: (report: RunReport) => void;
  /** Called after each case. */
  readonly onResult?: (result: CaseResult) => void;
}

/** The listening side of a client test. */
export class FuzzingServer {
  /** `ws://host:port`, the base URL for the driver. */
  readonly url: string;
  private readonly server: Server;
  private readonly options: FuzzingServerOptions;
  private readonly ids: readonly string[];
  private readonly byId: ReadonlyMap<string, CaseSpec>;
  /** The cases a client can run, in the order `/runCase?case=N` numbers them. */
  private readonly runnable: readonly CaseSpec[];
  private readonly results = new Map<string, Map<string, CaseResult>>();
  private readonly sockets = new Set<Socket>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly startedAt = new Date();
  private readonly timing: SessionTiming;

  private constructor(server: Server, url: string, options: FuzzingServerOptions, catalogue: CaseSpec[], ids: string[]) {
    this.server = server;
    this.url = url;
    this.options = options;
    this.ids = ids;
    this.byId = new Map(catalogue.map((c) => [c.id, c]));
    this.runnable = ids.map((id) => this.byId.get(id)!).filter((c) => c.unimplemented === undefined);
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
  }

  /** Listen. Rejects on a bad case pattern or when the port is taken. */
  static async start(options: FuzzingServerOptions = {}): Promise<FuzzingServer> {
    const catalogue = buildCatalogue({ quick: options.quick === true });
    const ids = selectCaseIds(catalogue.map((c) => c.id), options.cases ?? '*');
    const server = createServer();
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 9001, host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port ?? 9001;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    const fuzzer = new FuzzingServer(server, `ws://${shownHost}:${port}`, options, catalogue, ids);
    server.on('connection', (socket) => fuzzer.accept(socket));
    return fuzzer;
  }

  /** The time budgets of all cases a client can run, added up, in ms. */
  get timeBudget(): number {
    return this.runnable.reduce((sum, c) => sum + caseBudget(c, this.timing), 0);
  }

  /** Number of cases a client can run (`/getCaseCount`). */
  get caseCount(): number {
    return this.runnable.length;
  }

  /** The results so far. */
  report(notes: readonly string[] = []): RunReport {
    const results: Record<string, CaseResult[]> = {};
    const missing: Record<string, string[]> = {};
    const order = new Map(this.ids.map((id, i) => [id, i]));
    for (const [agent, byCase] of this.results) {
      const list = [...byCase.values()];
      // Unimplemented cases are not served; they appear in every agent's results.
      for (const id of this.ids) {
        const spec = this.byId.get(id)!;
        if (spec.unimplemented !== undefined && !byCase.has(id)) {
          list.push(unimplementedResult(spec, { agent, mode: 'client', quick: this.options.quick === true }));
        }
      }
      results[agent] = list.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
      missing[agent] = this.runnable.filter((c) => !byCase.has(c.id)).map((c) => c.id);
    }
    const hasUnimplemented = this.runnable.length < this.ids.length;
    return {
      mode: 'client',
      target: this.url,
      quick: this.options.quick === true,
      startedAt: this.startedAt.toISOString(),
      durationMs: Date.now() - this.startedAt.getTime(),
      selected: this.ids,
      results,
      missing,
      notes: [
        ...notes,
        ...(hasUnimplemented ? ['Some selected cases are not implemented by the tester: reported UNIMPLEMENTED, not served.'] : []),
      ],
    };
  }

  /**
   * Stop listening; give running cases up to `drainMs` (default 10 s) to end;
   * destroy what is left. Resolves with the results.
   */
  async close(notes: readonly string[] = [], drainMs = 10_000): Promise<RunReport> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, drainMs); }),
    ]);
    clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    clearPayloadCache();
    return this.report(notes);
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const task = this.serve(socket).catch(() => socket.destroy());
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  private async serve(socket: Socket): Promise<void> {
    let request;
    try {
      request = await readRequest(socket);
    } catch {
      socket.destroy();
      return;
    }
    const target = new URL(request.head.target, 'http://fuzzing-server');
    const params = target.searchParams;
    const agent = params.get('agent') ?? 'UnknownClient';
    const problem = checkUpgradeRequest(request.head);

    if (target.pathname === '/runCase') {
      const index = Number(params.get('case'));
      const spec = Number.isInteger(index) && index >= 1 ? this.runnable[index - 1] : undefined;
      if (spec === undefined) {
        rejectRequest(socket, 404, `no case ${params.get('case') ?? '(missing)'}: cases are numbered 1 to ${this.runnable.length}`);
        return;
      }
      const context: RunContext = { agent, mode: 'client', quick: this.options.quick === true };
      let result: CaseResult;
      if (problem !== null) {
        rejectRequest(socket, problem.status, problem.message);
        result = handshakeFailedResult(spec, context, problem.message, { request: request.raw, response: '' });
      } else if (spec.deflate !== undefined) {
        result = await this.runDeflateCase(spec, socket, request, context);
      } else {
        const response = acceptUpgrade(socket, request.head);
        result = await runCaseOnSocket(spec, socket, request.rest, context, { request: request.raw, response }, this.timing);
      }
      this.store(result);
      return;
    }
    if (target.pathname !== '/getCaseCount' && target.pathname !== '/getCaseInfo' && target.pathname !== '/updateReports') {
      rejectRequest(socket, 404, `unknown path ${target.pathname}: use /getCaseCount, /getCaseInfo?case=N, /runCase?case=N&agent=NAME or /updateReports?agent=NAME`);
      return;
    }
    let info: CaseSpec | undefined;
    if (target.pathname === '/getCaseInfo') {
      const index = Number(params.get('case'));
      info = Number.isInteger(index) && index >= 1 ? this.runnable[index - 1] : undefined;
      if (info === undefined) {
        rejectRequest(socket, 404, `no case ${params.get('case') ?? '(missing)'}: cases are numbered 1 to ${this.runnable.length}`);
        return;
      }
    }
    if (problem !== null) {
      rejectRequest(socket, problem.status, problem.message);
      return;
    }
    acceptUpgrade(socket, request.head);
    if (target.pathname === '/getCaseCount') {
      await sendAndClose(socket, [buildFrame({ opcode: 1, fin: true, rsv: 0, mask: false }, Buffer.from(JSON.stringify(this.runnable.length)))]);
    } else if (info !== undefined) {
      // As Autobahn's fuzzingserver: one text message, {"id": ..., "description": ...}.
      const json = JSON.stringify({
        id: info.id,
        description: info.description,
        ...(info.deflate === undefined ? {} : { permessageDeflate: { offer: formatOffers(info.deflate.offers), accept: info.deflate.accept } }),
      });
      await sendAndClose(socket, [buildFrame({ opcode: 1, fin: true, rsv: 0, mask: false }, Buffer.from(json))]);
    } else {
      this.options.onUpdateReports?.(this.report());
      await sendAndClose(socket, []);
    }
  }

  /**
   * A section 12–13 case: answer the client's permessage-deflate offer by the
   * case's rules, then run it (or, with no offer accepted, close right away:
   * UNIMPLEMENTED; with only invalid offers: FAILED). An unparsable header is
   * refused with 400.
   */
  private async runDeflateCase(spec: CaseSpec, socket: Socket, request: ReadRequest, context: RunContext): Promise<CaseResult> {
    const offered = request.head.headers['sec-websocket-extensions'];
    const answer = answerClientOffers(spec.deflate!.accept, offered);
    const base = { offered: offered ?? '', response: '' };
    if (answer.kind === 'invalid' && answer.unparsable) {
      rejectRequest(socket, 400, answer.reason);
      return handshakeFailedResult(spec, context, answer.reason, { request: request.raw, response: '' }, { ...base, agreement: null, note: answer.reason, verdict: 'FAILED' });
    }
    let negotiation: Negotiation;
    if (answer.kind === 'accepted') {
      negotiation = {
        ...base, response: answer.response, agreement: answer.agreement,
        note: `The tester accepted the client's offer (${answer.note}) with "${answer.response}": ${describeAgreement(answer.agreement)}.`,
      };
    } else if (answer.kind === 'none') {
      negotiation = { ...base, agreement: null, note: `No ${EXTENSION}: ${answer.reason}; the tester closed right away.` };
    } else {
      negotiation = { ...base, agreement: null, note: `${answer.reason}; the tester closed right away.`, verdict: 'FAILED' };
    }
    const response = acceptUpgrade(socket, request.head, answer.kind === 'accepted' ? answer.response : undefined);
    return runCaseOnSocket(spec, socket, request.rest, context, { request: request.raw, response }, this.timing, negotiation);
  }

  private store(result: CaseResult): void {
    let byCase = this.results.get(result.agent);
    if (byCase === undefined) this.results.set(result.agent, byCase = new Map());
    byCase.set(result.id, result);
    this.options.onResult?.(result);
  }
}

/**
 * For the driver-protocol connections: send `frames` and a close (1000), wait
 * for the client's close (at most 2 s), then close TCP (the server closes
 * first, RFC 6455 §7.1.1).
 */
async function sendAndClose(socket: Socket, frames: Buffer[]): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, 2000);
    const reader = new FrameReader(1 << 20, {
      onFrame: (frame) => { if (frame.opcode === 8) done(); },
      onError: done,
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('close', done);
    socket.resume();
    socket.write(Buffer.concat([...frames, buildFrame({ opcode: 8, fin: true, rsv: 0, mask: false }, closePayload(1000, undefined))]));
    function done(): void {
      clearTimeout(timer);
      resolve();
    }
  });
  socket.end();
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** Options of {@link testClient}. */
export interface TestClientOptions extends FuzzingServerOptions {
  /** The driver program. */
  readonly command: string;
  /** Its arguments; `{url}` is replaced by the server URL, which is otherwise appended. */
  readonly args?: readonly string[];
  /** Kill the driver after this long. Default: the sum of every case's time budget, plus a minute. */
  readonly timeoutMs?: number;
  /** The driver's standard streams. Default `inherit`. */
  readonly stdio?: 'inherit' | 'ignore';
  /** Extra environment for the driver. */
  readonly env?: Readonly<Record<string, string>>;
  /** Called once the server listens, before the driver starts. */
  readonly onListening?: (url: string) => void;
}

/** What {@link testClient} adds to the run report. */
export interface ClientRunReport extends RunReport {
  /** The driver's exit code (null when it was killed by a signal). */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** Why the driver could not be started (e.g. ENOENT), or null. */
  readonly startError: string | null;
}

/** Start the fuzzing server, run the driver to completion, and return the results. */
export async function testClient(options: TestClientOptions): Promise<ClientRunReport> {
  const fuzzer = await FuzzingServer.start(options);
  options.onListening?.(fuzzer.url);
  const args = options.args ?? [];
  const substituted = args.some((arg) => arg.includes('{url}'));
  const finalArgs = substituted ? args.map((arg) => arg.replaceAll('{url}', fuzzer.url)) : [...args, fuzzer.url];
  const budget = options.timeoutMs ?? 60_000 + fuzzer.timeBudget;

  let child: ChildProcess;
  try {
    child = spawn(options.command, finalArgs, {
      stdio: options.stdio ?? 'inherit',
      env: { ...process.env, ...options.env, [URL_ENV]: fuzzer.url },
    });
  } catch (error) {
    await fuzzer.close();
    throw error;
  }
  let timedOut = false;
  const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    }, budget);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, error });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code });
    });
  });
  const notes: string[] = [];
  if (exit.error !== undefined) notes.push(`The driver could not be started: ${exit.error.message}`);
  if (timedOut) notes.push(`The driver did not finish within ${budget} ms and was killed.`);
  else if (exit.code !== 0 && exit.error === undefined) notes.push(`The driver exited with code ${exit.code}.`);
  const report = await fuzzer.close(notes);
  return { ...report, target: [options.command, ...finalArgs].join(' '), exitCode: exit.code, timedOut, startError: exit.error?.message ?? null };
}
