/**
 * Testing a server (what `wstest -m fuzzingclient` does): for every selected
 * case the tester connects as a client, performs the opening handshake and
 * runs the case against an echo server (text echoed as text, binary as
 * binary). Cases run one after another, each on a fresh connection.
 *
 * In sections 12–13 the tester offers permessage-deflate (the case's offers)
 * and checks the server's answer: a server that declines (or refuses the
 * handshake) makes the case UNIMPLEMENTED, as in Autobahn; an answer that
 * breaks RFC 7692 fails the case, and the tester fails the connection.
 */
import { buildCatalogue } from './catalogue.js';
import { clearPayloadCache } from './bytes.js';
import { connectAndUpgrade, HandshakeFailure, type UpgradedClient } from './handshake.js';
import { selectCaseIds } from './pattern.js';
import { checkServerResponse, describeAgreement, EXTENSION, formatOffer, formatOffers } from './permessage-deflate.js';
import { handshakeFailedResult, runCaseOnSocket, unimplementedResult, type Negotiation, type RunContext } from './result.js';
import type { RunReport } from './run.js';
import { DEFAULT_TIMING, type SessionTiming } from './timing.js';
import type { CaseResult, CaseSpec } from './types.js';

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
        const offered = spec.deflate === undefined ? undefined : formatOffers(spec.deflate.offers);
        try {
          const upgraded = await connectAndUpgrade(url, {
            ...(options.connectTimeoutMs === undefined ? {} : { timeoutMs: options.connectTimeoutMs }),
            ...(offered === undefined ? {} : { extensions: offered }),
            insecure: options.insecure === true,
          });
          connectedOnce = true;
          result = offered === undefined
            ? await runCaseOnSocket(spec, upgraded.socket, upgraded.head, context, { request: upgraded.request, response: upgraded.response }, timing)
            : await runDeflateCase(spec, upgraded, offered, context, timing);
        } catch (error) {
          if (!(error instanceof HandshakeFailure)) throw error;
          // Nothing answers at all: stop rather than fail hundreds of cases one by one.
          if (!connectedOnce && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH/.test(error.message)) {
            throw new ConformanceSetupError(`cannot reach ${options.url}: ${error.message}`);
          }
          const http = { request: error.request, response: error.response };
          if (offered !== undefined && error.status !== undefined) {
            // RFC 7692 §5 has a server decline an offer it does not support (101 without the extension);
            // refusing the connection is not what the RFC describes, but it says the same: not supported.
            const note = `${error.message} when offered "${offered}": it does not support this ${EXTENSION} configuration ` +
              '(RFC 7692 §5 has a server decline an offer it cannot accept, answering 101 without the extension, rather than refuse the connection)';
            result = handshakeFailedResult(spec, context, note, http, { offered, response: '', agreement: null, note }, 'UNIMPLEMENTED');
          } else {
            result = handshakeFailedResult(spec, context, error.message, http,
              offered === undefined ? undefined : { offered, response: '', agreement: null, note: 'no WebSocket connection', verdict: 'FAILED' });
          }
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
      ? ['Some selected cases are not implemented by the tester: reported UNIMPLEMENTED, not run.']
      : [],
  };
}

/**
 * A section 12–13 case on an upgraded connection: check the server's answer
 * to the offer, then run the case with the agreed parameters, or close right
 * away when the server declined (UNIMPLEMENTED), or fail the connection when
 * the answer breaks RFC 7692 (FAILED; RFC 7692 §5: the client MUST _Fail the
 * WebSocket Connection_).
 */
async function runDeflateCase(spec: CaseSpec, upgraded: UpgradedClient, offered: string, context: RunContext, timing: SessionTiming): Promise<CaseResult> {
  const http = { request: upgraded.request, response: upgraded.response };
  const offers = spec.deflate!.offers;
  const answer = checkServerResponse(offers, upgraded.extensions);
  const response = upgraded.extensions ?? '';
  if (answer.kind === 'invalid') {
    upgraded.socket.destroy();
    const note = `${EXTENSION} negotiation failed: ${answer.reason}; the tester failed the connection (RFC 7692 §5)`;
    return handshakeFailedResult(spec, context, note, http, { offered, response, agreement: null, note, verdict: 'FAILED' });
  }
  const negotiation: Negotiation = answer.kind === 'declined'
    ? { offered, response, agreement: null, note: `The server declined ${EXTENSION} (its response has no Sec-WebSocket-Extensions): not supported; the tester closed right away.` }
    : {
      offered, response, agreement: answer.agreement,
      note: `The server accepted ${offers.length === 1 ? 'the offer' : `offer ${answer.offerIndex + 1} (${formatOffer(offers[answer.offerIndex]!)})`} ` +
        `with "${response}": ${describeAgreement(answer.agreement)}.`,
    };
  return runCaseOnSocket(spec, upgraded.socket, upgraded.head, context, http, timing, negotiation);
}
