/**
 * Testing a server (what `wstest -m fuzzingclient` does): for every selected
 * case the tester connects as a client, performs the opening handshake and
 * runs the case against an echo server (text echoed as text, binary as
 * binary). Cases run one after another, each on a fresh connection.
 */
import { buildCatalogue } from './catalogue.js';
import { clearPayloadCache } from './bytes.js';
import { connectAndUpgrade, HandshakeFailure } from './handshake.js';
import { selectCaseIds } from './pattern.js';
import { handshakeFailedResult, runCaseOnSocket, unimplementedResult, type RunContext } from './result.js';
import type { RunReport } from './run.js';
import { DEFAULT_TIMING, type SessionTiming } from './timing.js';
import type { CaseResult } from './types.js';

/** Options of {@link testServer}. */
export interface TestServerOptions {
  /** `ws://host:port/path` or `wss://…` of an echo server. */
  readonly url: string;
  /** Case pattern (see pattern.ts). Default `*`. */
  readonly cases?: string;
  /** Smaller section 9 payloads and shorter waits. Default false. */
  readonly quick?: boolean;
  /** Name of the server in reports. Default `UnknownServer`. */
  readonly agent?: string;
  /** Closing-handshake timeouts. Default 1000 ms each. */
  readonly timing?: Partial<SessionTiming>;
  /** Bound on connecting plus the opening handshake, per case. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** wss://: accept any certificate. Default false. */
  readonly insecure?: boolean;
  /** Called after each case. */
  readonly onResult?: (result: CaseResult, done: number, total: number) => void;
}

/** The run cannot start or go on (bad URL, server unreachable). */
export class ConformanceSetupError extends Error {
  override readonly name = 'ConformanceSetupError';
}

/** Run the selected cases against a server. Resolves with every result; throws only for setup errors. */
export async function testServer(options: TestServerOptions): Promise<RunReport> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new ConformanceSetupError(`invalid URL "${options.url}"`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new ConformanceSetupError(`the URL must start with ws:// or wss://, got "${options.url}"`);
  if (url.hash !== '') throw new ConformanceSetupError('the URL must not have a fragment (RFC 6455 §3)');

  const quick = options.quick === true;
  const catalogue = buildCatalogue({ quick });
  const ids = selectCaseIds(catalogue.map((c) => c.id), options.cases ?? '*');
  const byId = new Map(catalogue.map((c) => [c.id, c]));
  const context: RunContext = { agent: options.agent ?? 'UnknownServer', mode: 'server', quick };
  const timing: SessionTiming = { ...DEFAULT_TIMING, ...options.timing };
  const startedAt = new Date();
  const results: CaseResult[] = [];
  let connectedOnce = false;

  try {
    for (const id of ids) {
      const spec = byId.get(id)!;
      let result: CaseResult;
      if (spec.unimplemented !== undefined) {
        result = unimplementedResult(spec, context);
      } else {
        try {
          const upgraded = await connectAndUpgrade(url, {
            ...(options.connectTimeoutMs === undefined ? {} : { timeoutMs: options.connectTimeoutMs }),
            insecure: options.insecure === true,
          });
          connectedOnce = true;
          result = await runCaseOnSocket(spec, upgraded.socket, upgraded.head, context,
            { request: upgraded.request, response: upgraded.response }, timing);
        } catch (error) {
          if (!(error instanceof HandshakeFailure)) throw error;
          // Nothing answers at all: stop rather than fail hundreds of cases one by one.
          if (!connectedOnce && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH/.test(error.message)) {
            throw new ConformanceSetupError(`cannot reach ${options.url}: ${error.message}`);
          }
          result = handshakeFailedResult(spec, context, error.message, { request: error.request, response: error.response });
        }
      }
      results.push(result);
      options.onResult?.(result, results.length, ids.length);
    }
  } finally {
    clearPayloadCache();
  }

  return {
    mode: 'server',
    target: options.url,
    quick,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    selected: ids,
    results: { [context.agent]: results },
    missing: { [context.agent]: [] },
    notes: ids.some((id) => byId.get(id)!.unimplemented !== undefined)
      ? ['Sections 12 and 13 (permessage-deflate, RFC 7692) are not implemented by the tester yet: reported UNIMPLEMENTED, not run.']
      : [],
  };
}
