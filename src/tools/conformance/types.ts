/**
 * The vocabulary of the conformance tester: what a case is (steps to perform,
 * outcomes to expect), what was observed, and the verdicts.
 *
 * A case is data, not code: a list of {@link Step}s that the runner executes
 * against a peer, the {@link Outcome}s of the behaviour that count as OK or
 * NON-STRICT, and the {@link ExpectedClose} closing behaviour. The words and
 * their meaning follow the Autobahn|Testsuite, so reports read the same:
 *
 * - `behavior` — did the peer send back exactly the events one of the outcomes
 *   lists (messages, pongs, and the tester's own "timeout" marks)?
 * - `behaviorClose` — did the right endpoint start the close, with an accepted
 *   code, cleanly when that is required?
 */

/** Verdict words for a case's behaviour (Autobahn's vocabulary). */
export type Verdict = 'OK' | 'NON-STRICT' | 'INFORMATIONAL' | 'UNIMPLEMENTED' | 'FAILED';

/**
 * Verdict words for a case's closing behaviour. Besides the five behaviour
 * words, Autobahn reports three close-specific ones, kept here so index.json
 * reads the same:
 * - `WRONG CODE`: the peer's close code is not one the case accepts (the RFC's
 *   choice of code is a SHOULD, RFC 6455 §7.1.7, so this counts as NON-STRICT,
 *   except in section 7 where the code is what the case tests);
 * - `UNCLEAN`: the case requires a clean close and it was not;
 * - `FAILED BY CLIENT`: the tester (as client) had to drop the TCP connection
 *   that the server should have closed (RFC 6455 §7.1.1).
 */
export type CloseVerdict = Verdict | 'WRONG CODE' | 'UNCLEAN' | 'FAILED BY CLIENT';

/** What kind of implementation is under test. The tester plays the other role. */
export type Mode = 'server' | 'client';

/** Bytes given literally, or a pattern repeated to a length (big payloads are built lazily). */
export type Bytes = Buffer | RepeatedBytes;

/** `pattern` repeated (and cut) to exactly `length` bytes. */
export interface RepeatedBytes {
  readonly repeat: Buffer;
  readonly length: number;
}

/** Options shared by the steps that put bytes on the wire. */
export interface SendOptions {
  /**
   * Write the bytes in pieces of this many octets, waiting for each write to be
   * handed to the kernel before the next (Autobahn's "chopsize").
   */
  readonly chop?: number;
  /**
   * Write this step on its own (Autobahn's "sync": "frame-wise chops"). Without
   * `sync` or `chop`, consecutive send steps go out in one write.
   */
  readonly sync?: boolean;
}

/** One frame, exactly as given: any opcode, RSV bits and FIN (invalid frames included). */
export interface FrameStep extends SendOptions {
  readonly op: 'frame';
  readonly opcode: number;
  readonly payload: Bytes;
  /** Default true. */
  readonly fin?: boolean;
  /** The three RSV bits as a number 0–7 (RSV1 = 4). Default 0. */
  readonly rsv?: number;
}

/** A data message, split into frames of `fragmentSize` payload bytes when given (RFC 6455 §5.4). */
export interface MessageStep extends SendOptions {
  readonly op: 'message';
  readonly opcode: 1 | 2;
  readonly payload: Bytes;
  readonly fragmentSize?: number;
}

/**
 * Start the closing handshake: a close frame with this code and reason (either
 * may be invalid on purpose; no code means an empty payload). Unlike a `frame`
 * step with opcode 8, this moves the tester to the closing state.
 */
export interface CloseStep extends SendOptions {
  readonly op: 'close';
  readonly code?: number;
  readonly reason?: Buffer;
}

/** The header of one frame whose payload follows in {@link FrameDataStep}s (one frame, chopped over time). */
export interface FrameStartStep extends SendOptions {
  readonly op: 'frame-start';
  readonly opcode: number;
  readonly length: number;
  readonly fin?: boolean;
}

/** The next bytes of the payload begun by {@link FrameStartStep}. */
export interface FrameDataStep extends SendOptions {
  readonly op: 'frame-data';
  readonly payload: Buffer;
}

/**
 * Wait. With a tag, and only if the connection is still open afterwards, the
 * tester records a `timeout` event with that tag (so outcomes can say "nothing
 * happened during this wait"); the remaining steps run only while the
 * connection is open.
 */
export interface WaitStep {
  readonly op: 'wait';
  readonly ms: number;
  readonly tag?: string;
}

/**
 * Arm a deadline: after `ms`, `kill` fails the connection by dropping TCP
 * (the peer should have closed by then), `close` starts a normal close.
 */
export interface DeadlineStep {
  readonly op: 'kill-after' | 'close-after';
  readonly ms: number;
}

/** Send `count` messages one at a time, each after the previous one's echo arrived (round-trip cases). */
export interface EchoLoopStep {
  readonly op: 'echo-loop';
  readonly opcode: 1 | 2;
  readonly payload: Bytes;
  readonly count: number;
}

/** The generated documents that compressed messages are cut from (see corpus.ts). */
export type CorpusKind = 'json' | 'bitmap' | 'prose' | 'html' | 'pdf';

/**
 * Sections 12–13: send `count` messages of `length` bytes, cut one after the
 * other from a generated document, each compressed with the agreed
 * permessage-deflate parameters (RFC 7692 §7.2.1) and sent once the previous
 * one's echo arrived; the compressed payload is split into frames of
 * `fragmentSize` octets (0: one frame), RSV1 on the first only. Each echo
 * (compressed or not) is inflated and compared byte for byte on arrival.
 */
export interface DeflateLoopStep {
  readonly op: 'deflate-loop';
  readonly corpus: CorpusKind;
  readonly binary: boolean;
  readonly length: number;
  readonly count: number;
  readonly fragmentSize: number;
}

/** One action of a case's program. */
export type Step =
  | FrameStep | MessageStep | CloseStep | FrameStartStep | FrameDataStep
  | WaitStep | DeadlineStep | EchoLoopStep | DeflateLoopStep;

/**
 * A permessage-deflate offer the tester makes as a client (Autobahn's
 * `PerMessageDeflateOffer(requestNoContextTakeover, requestMaxWindowBits)`).
 */
export interface DeflateOffer {
  /** Offer `server_no_context_takeover` (RFC 7692 §7.1.1.1). */
  readonly requestNoContextTakeover: boolean;
  /** Offer `server_max_window_bits=N` (RFC 7692 §7.1.2.1); 0: not offered. */
  readonly requestMaxWindowBits: number;
}

/**
 * How the tester, as a server, accepts a client's offer (Autobahn's
 * `PerMessageDeflateOfferAccept(requestNoContextTakeover, requestMaxWindowBits)`).
 */
export interface DeflateAccept {
  /** Answer with `client_no_context_takeover` (RFC 7692 §7.1.1.2; always allowed). */
  readonly requestNoContextTakeover: boolean;
  /**
   * Answer with `client_max_window_bits=N` (RFC 7692 §7.1.2.2); 0: not asked.
   * Only possible for an offer that has `client_max_window_bits`.
   */
  readonly requestMaxWindowBits: number;
}

/** The permessage-deflate side of a case (sections 12–13). */
export interface DeflateCase {
  /** Server mode: the tester's offers, in preference order. */
  readonly offers: readonly DeflateOffer[];
  /** Client mode: how the tester accepts, tried in order over all of the client's offers. */
  readonly accept: readonly DeflateAccept[];
}

/** The permessage-deflate parameters both ends agreed on (RFC 7692 §7), window sizes as bits (15 when not limited). */
export interface DeflateAgreement {
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  readonly serverMaxWindowBits: number;
  readonly clientMaxWindowBits: number;
}

/** An event the tester expects to receive. */
export type ExpectedEvent =
  | { readonly type: 'message'; readonly binary: boolean; readonly payload: Bytes }
  | { readonly type: 'pong'; readonly payload: Bytes }
  | { readonly type: 'timeout'; readonly tag: string };

/** An event the tester received (or, for `timeout`, noted itself). `at` is ms since the case started. */
export type ReceivedEvent =
  | { readonly type: 'message'; readonly binary: boolean; readonly payload: Buffer; readonly at: number }
  | { readonly type: 'ping' | 'pong'; readonly payload: Buffer; readonly at: number }
  | { readonly type: 'timeout'; readonly tag: string; readonly at: number }
  | { readonly type: 'violation'; readonly rule: string; readonly detail: string; readonly at: number }
  | EchoEvent;

/**
 * A message received during a compressed echo loop (sections 12–13), compared
 * on arrival with the message it echoes. The payload is not kept (1000
 * messages of up to 128 KiB per case); `problem` says how it differs.
 */
export interface EchoEvent {
  readonly type: 'echo';
  /** Index (0-based) of the message sent that this one should echo. */
  readonly seq: number;
  readonly binary: boolean;
  /** Payload length after inflation. */
  readonly length: number;
  /** RSV1 was set: the peer sent it compressed. */
  readonly compressed: boolean;
  /** Payload octets on the wire (compressed size). */
  readonly wireLength: number;
  readonly frames: number;
  /** null: equal to the message sent, byte for byte. */
  readonly problem: string | null;
  readonly at: number;
}

/**
 * A behaviour that earns `verdict`. Either an exact event sequence (Autobahn
 * compares the whole list of received events with it) or, for the few cases
 * whose acceptable behaviours are not one list, a predicate.
 */
export interface Outcome {
  readonly verdict: 'OK' | 'NON-STRICT';
  /** Human-readable: what this outcome means. */
  readonly note: string;
  readonly events?: readonly ExpectedEvent[];
  readonly matches?: (received: readonly ReceivedEvent[]) => boolean;
  /** For predicate outcomes: why `received` does not match (used in the FAILED reason). */
  readonly explain?: (received: readonly ReceivedEvent[]) => string;
}

/** The closing behaviour a case expects (Autobahn's `expectedClose`). */
export interface ExpectedClose {
  /** True when the tester is the one to start the closing handshake. */
  readonly closedByMe: boolean;
  /** Close codes accepted from the peer (a close frame without a code is always accepted). */
  readonly codes: readonly number[];
  /** The close must be clean: close frames exchanged, TCP closed by the server (RFC 6455 §7.1.1). */
  readonly requireClean: boolean;
}

/** One conformance case. */
export interface CaseSpec {
  /** Autobahn numbering, e.g. `6.4.1`. */
  readonly id: string;
  readonly description: string;
  readonly expectation: string;
  /** The rules this case checks, e.g. `RFC 6455 §5.5`. */
  readonly rfc: string;
  readonly steps: readonly Step[];
  /** Acceptable behaviours, best first. Empty only for informational and unimplemented cases. */
  readonly outcomes: readonly Outcome[];
  readonly close: ExpectedClose;
  /** The spec leaves the behaviour open: both verdicts are INFORMATIONAL, the outcome is reported. */
  readonly informational?: boolean;
  /** Why the case cannot run yet; the case is reported UNIMPLEMENTED without connecting. */
  readonly unimplemented?: string;
  /** A WRONG CODE closing verdict also fails the behaviour (Autobahn does this in section 7). */
  readonly wrongCodeFails?: boolean;
  /** The duration is part of the result (performance cases); shown in the report. */
  readonly reportTime?: boolean;
  /** Log frames without payloads and octets not at all (section 9: megabytes of payload). */
  readonly quietWireLog?: boolean;
  /**
   * Sections 12–13: negotiate permessage-deflate first. Without an agreement
   * the case is UNIMPLEMENTED (the tester closes right away, as Autobahn does).
   */
  readonly deflate?: DeflateCase;
}

/** Facts about how the connection ended (Autobahn's closing-behaviour table). */
export interface ClosingFacts {
  /** The tester sent the first close frame. */
  closedByMe: boolean;
  /** The tester failed the connection (a protocol violation by the peer, or a deadline). */
  failedByMe: boolean;
  /** The tester closed the TCP connection before the peer did. */
  droppedByMe: boolean;
  /** Close frames were exchanged and TCP was closed by the side that should (RFC 6455 §7.1.1). */
  wasClean: boolean;
  wasNotCleanReason: string | null;
  /** As client: the server did not close TCP in time after the closing handshake. */
  wasServerConnectionDropTimeout: boolean;
  /** The peer did not answer the tester's close frame in time. */
  wasCloseHandshakeTimeout: boolean;
  /** The tester had to drop a peer that had sent no close frame and kept TCP open (see verdict.ts). */
  peerSilent: boolean;
  /** Why the tester dropped TCP, if it did. */
  dropReason: string | null;
  closeSent: boolean;
  closeReceived: boolean;
  peerClosedTcp: boolean;
  localCloseCode: number | null;
  localCloseReason: string | null;
  remoteCloseCode: number | null;
  remoteCloseReason: string | null;
}

/** One line of a case's wire log. `t` is ms since the case started. */
export interface WireLogEntry {
  readonly t: number;
  /** `tx`/`rx` frames and octets, or a tester action / connection event. */
  readonly kind:
    | 'tx-frame' | 'tx-octets' | 'rx-frame' | 'rx-octets'
    | 'wait' | 'timeout' | 'deadline' | 'kill' | 'close-after'
    | 'tcp' | 'note';
  readonly text: string;
}

/** Traffic counters for one case. */
export interface WireStats {
  txOctets: number;
  rxOctets: number;
  txWrites: number;
  rxReads: number;
  /** Frames sent, by opcode. */
  txFrames: Record<string, number>;
  /** Frames received, by opcode. */
  rxFrames: Record<string, number>;
}

/** Everything recorded about one run of one case. */
export interface CaseResult {
  readonly id: string;
  readonly description: string;
  readonly expectation: string;
  readonly rfc: string;
  readonly agent: string;
  readonly mode: Mode;
  readonly quick: boolean;
  /** ISO time the case started. */
  readonly started: string;
  /** Milliseconds from the opening handshake to the end of the TCP connection. */
  readonly duration: number;
  readonly reportTime: boolean;
  readonly behavior: Verdict;
  readonly behaviorClose: CloseVerdict;
  /** Why `behavior` is what it is. */
  readonly result: string;
  /** Why `behaviorClose` is what it is. */
  readonly resultClose: string;
  /** The verdict that counts for the summary and the exit code (see {@link caseOutcome}). */
  readonly outcome: Verdict;
  readonly expected: {
    readonly outcomes: readonly { readonly verdict: string; readonly note: string; readonly events: readonly string[] }[];
    readonly close: ExpectedClose;
  };
  /** Received events, rendered (payloads shortened). */
  readonly received: readonly string[];
  readonly closing: ClosingFacts;
  readonly httpRequest: string;
  readonly httpResponse: string;
  readonly stats: WireStats;
  readonly wirelog: readonly WireLogEntry[];
  /** Sections 12–13: the permessage-deflate negotiation and compressed traffic. */
  readonly deflate?: DeflateReport;
}

/** What a case report says about permessage-deflate (sections 12–13). */
export interface DeflateReport {
  /** The client's Sec-WebSocket-Extensions ('' when none). */
  readonly offered: string;
  /** The server's Sec-WebSocket-Extensions ('' when none). */
  readonly response: string;
  /** The parameters in force, or null when the extension is not in use. */
  readonly agreed: DeflateAgreement | null;
  /** How the negotiation went, in words. */
  readonly negotiation: string;
  readonly traffic: DeflateTraffic;
}

/** Compressed traffic counters (payload octets before and after compression). */
export interface DeflateTraffic {
  messagesSent: number;
  payloadOctetsSent: number;
  compressedOctetsSent: number;
  messagesReceived: number;
  /** Received messages that had RSV1 set. */
  compressedMessagesReceived: number;
  payloadOctetsReceived: number;
  wireOctetsReceived: number;
}

/**
 * The verdict that counts for a case: the worse of its behaviour and its
 * closing behaviour, where UNCLEAN counts as FAILED (Autobahn shows it red)
 * and WRONG CODE and FAILED BY CLIENT count as NON-STRICT (they break a
 * SHOULD, and Autobahn shows them orange).
 */
export function caseOutcome(behavior: Verdict, behaviorClose: CloseVerdict): Verdict {
  if (behavior === 'UNIMPLEMENTED' || behavior === 'INFORMATIONAL') return behavior;
  if (behavior === 'FAILED' || behaviorClose === 'FAILED' || behaviorClose === 'UNCLEAN') return 'FAILED';
  if (behavior === 'NON-STRICT' || behaviorClose === 'WRONG CODE' || behaviorClose === 'FAILED BY CLIENT') return 'NON-STRICT';
  return 'OK';
}
