/**
 * Runs one case over one upgraded connection and records what happened.
 *
 * The session plays its half of RFC 6455 strictly enough to observe the peer
 * and loosely enough to send what the case asks for: it executes the case's
 * steps (frames exactly as given, chopped and paced as given), answers pings,
 * runs the closing handshake, and judges every frame the peer sends against
 * the RFC. A frame that breaks a rule is recorded as a `violation` event,
 * naming the rule, and the tester fails the connection by dropping TCP
 * (as the Autobahn fuzzer does).
 *
 * Closing (RFC 6455 §7.1): a server closes TCP as soon as close frames went
 * both ways; a client waits for the server to do it, and drops the connection
 * itself (unclean) after a timeout. Every wait is bounded, and the socket is
 * always destroyed when the session ends.
 */
import type { Socket } from 'node:net';
import { isUtf8 } from 'node:buffer';
import { isValidReceivedCloseCode } from '../../frame/close-code.js';
import { isControlOpcode, Opcode } from '../../frame/opcode.js';
import { materialize, preview } from './bytes.js';
import { corpusMessage } from './corpus.js';
import { eventMatches, outcomeCouldMatch, outcomeMatches } from './events.js';
import { FrameReader, type RawFrame } from './frame-reader.js';
import { closePayloadViolation, frameViolation, readClosePayload } from './frame-rules.js';
import { buildFrame, buildHeader, closePayload, maskPiece } from './frame-writer.js';
import { InflateFailure, MessageDeflater, MessageInflater } from './permessage-deflate.js';
import { caseBudget, DEFAULT_TIMING, type SessionTiming } from './timing.js';
import type {
  CaseSpec, ClosingFacts, DeflateAgreement, DeflateLoopStep, DeflateTraffic, EchoEvent, ExpectedEvent, ReceivedEvent, Step,
  WireLogEntry, WireStats,
} from './types.js';
import { octets, WireLog } from './wirelog.js';

/** Largest frame or message the tester accepts from a peer: twice the biggest case payload. */
export const MAX_RECEIVE_BYTES = 32 * 1024 * 1024;

/** What a session recorded. */
export interface SessionRecord {
  readonly received: ReceivedEvent[];
  readonly closing: ClosingFacts;
  readonly wirelog: WireLogEntry[];
  readonly stats: WireStats;
  /** Milliseconds from the start of the session to the end of the TCP connection. */
  readonly duration: number;
  /** With permessage-deflate: the compressed traffic. */
  readonly deflate?: DeflateTraffic;
}

/** Echoes of a compressed echo loop logged one by one (the rest are summed up). */
const LOGGED_ECHOES = 5;

/** Inputs of a {@link CaseSession}. */
export interface SessionOptions {
  readonly spec: CaseSpec;
  /** The connection, already upgraded. */
  readonly socket: Socket;
  /** Bytes that arrived after the opening handshake. */
  readonly head?: Buffer;
  /** The tester's role: a client masks its frames and expects unmasked ones (RFC 6455 §5.1). */
  readonly role: 'client' | 'server';
  readonly timing?: SessionTiming;
  /** permessage-deflate is in use with these parameters (RFC 7692): RSV1 marks compressed messages. */
  readonly deflate?: DeflateAgreement;
}

/** Steps that only put bytes on the wire and may share one write. */
type SendStep = Extract<Step, { op: 'frame' | 'message' | 'close' | 'frame-start' | 'frame-data' }>;

function isSendStep(step: Step): step is SendStep {
  return step.op === 'frame' || step.op === 'message' || step.op === 'close' || step.op === 'frame-start' || step.op === 'frame-data';
}

/** One case on one connection. Call {@link run} once. */
export class CaseSession {
  private readonly spec: CaseSpec;
  private readonly socket: Socket;
  private readonly role: 'client' | 'server';
  private readonly timing: SessionTiming;
  private readonly log = new WireLog();
  private readonly quiet: boolean;
  private readonly received: ReceivedEvent[] = [];
  private readonly facts: ClosingFacts = {
    closedByMe: false, failedByMe: false, droppedByMe: false, wasClean: false, wasNotCleanReason: null,
    wasServerConnectionDropTimeout: false, wasCloseHandshakeTimeout: false, peerSilent: false, dropReason: null,
    closeSent: false, closeReceived: false, peerClosedTcp: false,
    localCloseCode: null, localCloseReason: null, remoteCloseCode: null, remoteCloseReason: null,
  };
  private readonly reader: FrameReader;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly closeTimers = new Map<string, NodeJS.Timeout>();
  private writeChain: Promise<void> = Promise.resolve();
  private message: { opcode: number; pieces: Buffer[]; size: number; frames: number; compressed: boolean } | null = null;
  /** permessage-deflate, from the tester's side: how it compresses, how it inflates what the peer sends. */
  private readonly deflate: { deflater: MessageDeflater; inflater: MessageInflater; traffic: DeflateTraffic } | null;
  /** The message whose echo the compressed echo loop waits for. */
  private awaiting: { seq: number; payload: Buffer; binary: boolean } | null = null;
  /** Index of the next echo of the compressed echo loop (each message sent gets one). */
  private echoes = 0;
  /** An echo differed from its message (or came unasked): the compressed echo loop stops. */
  private badEcho = false;
  private partial: { maskKey: number | null; offset: number } | null = null;
  private readonly head: Buffer;
  private violated = false;
  private ended = false;
  private closed = false;
  /** Called whenever an event is recorded or the connection closes; each checks its own condition. */
  private readonly listeners = new Set<() => void>();
  private finished!: () => void;
  private readonly done = new Promise<void>((resolve) => { this.finished = resolve; });

  constructor(options: SessionOptions) {
    this.spec = options.spec;
    this.socket = options.socket;
    this.role = options.role;
    this.timing = options.timing ?? DEFAULT_TIMING;
    this.quiet = options.spec.quietWireLog === true;
    this.head = options.head ?? Buffer.alloc(0);
    const agreed = options.deflate;
    if (agreed === undefined) {
      this.deflate = null;
    } else {
      // The client compresses with the client_* parameters, the server with the server_* ones (RFC 7692 §7.1).
      const mine = this.role === 'client'
        ? { noContext: agreed.clientNoContextTakeover, bits: agreed.clientMaxWindowBits }
        : { noContext: agreed.serverNoContextTakeover, bits: agreed.serverMaxWindowBits };
      const theirs = this.role === 'client'
        ? { noContext: agreed.serverNoContextTakeover, bits: agreed.serverMaxWindowBits }
        : { noContext: agreed.clientNoContextTakeover, bits: agreed.clientMaxWindowBits };
      this.deflate = {
        deflater: new MessageDeflater(mine.bits, mine.noContext),
        inflater: new MessageInflater(theirs.bits, theirs.noContext),
        traffic: {
          messagesSent: 0, payloadOctetsSent: 0, compressedOctetsSent: 0,
          messagesReceived: 0, compressedMessagesReceived: 0, payloadOctetsReceived: 0, wireOctetsReceived: 0,
        },
      };
    }
    this.reader = new FrameReader(MAX_RECEIVE_BYTES, {
      onFrame: (frame) => this.onFrame(frame),
      onError: (message) => this.violation('RFC 6455 §5.2', message),
    });
  }

  /** Run the case to the end of the TCP connection. Never rejects. */
  async run(): Promise<SessionRecord> {
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (error: NodeJS.ErrnoException) => this.onSocketError(error));
    socket.on('close', () => this.onClose());
    socket.resume();
    if (socket.destroyed) this.onClose();
    this.arm(caseBudget(this.spec, this.timing), () => {
      this.log.add('kill', `case did not finish within ${caseBudget(this.spec, this.timing)} ms: dropping the connection`);
      this.failByTimeout('the case did not finish in time', 'case timeout');
    });
    if (this.head.length > 0) this.onData(this.head);
    void this.runSteps().catch((error: unknown) => {
      this.log.add('note', `tester error while running steps: ${String(error)}`);
      this.drop('tester error');
    });
    await this.done;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.quiet) this.log.add('note', this.log.summary());
    return {
      received: this.received,
      closing: this.facts,
      wirelog: this.log.finish(),
      stats: this.log.stats,
      duration: this.log.now(),
      ...(this.deflate === null ? {} : { deflate: this.deflate.traffic }),
    };
  }

  // ---- steps -------------------------------------------------------------

  /** Steps run while the connection can still carry them: not after the peer's close, a violation, or TCP end. */
  private canContinue(): boolean {
    return !this.closed && !this.facts.closeReceived && !this.violated;
  }

  private async runSteps(): Promise<void> {
    const steps = this.spec.steps;
    let i = 0;
    while (i < steps.length && this.canContinue()) {
      const step = steps[i]!;
      if (isSendStep(step)) {
        // Consecutive plain send steps go out in one write, like frames queued in one turn of the event loop.
        if (step.chop === undefined && step.sync !== true) {
          const batch: Buffer[] = [];
          while (i < steps.length) {
            const next = steps[i]!;
            if (!isSendStep(next) || next.chop !== undefined || next.sync === true) break;
            batch.push(...this.encode(next));
            i++;
          }
          await this.transmit(Buffer.concat(batch));
        } else {
          await this.transmit(Buffer.concat(this.encode(step)), step.chop);
          i++;
        }
        continue;
      }
      switch (step.op) {
        case 'wait': {
          this.log.add('wait', `waiting ${step.ms} ms${step.tag === undefined ? '' : ` (tag ${step.tag})`}`);
          await this.sleep(step.ms);
          if (this.closed) return;
          if (step.tag !== undefined) {
            if (this.state() !== 'open') return;
            this.log.add('timeout', `wait ${step.tag} ran out with the connection open`);
            this.record({ type: 'timeout', tag: step.tag, at: this.log.now() });
          }
          break;
        }
        case 'kill-after':
          this.log.add('deadline', `the peer must have closed within ${step.ms} ms, or the tester drops the connection`);
          this.arm(step.ms, () => {
            // Once close frames went both ways, the closing timers decide how the connection ends.
            if (this.facts.closeSent && this.facts.closeReceived) return;
            this.log.add('kill', `deadline of ${step.ms} ms reached: failing the connection`);
            this.failByTimeout(`the connection was still open after ${step.ms} ms`, 'kill-after deadline');
          });
          break;
        case 'close-after':
          this.log.add('deadline', `the tester starts the closing handshake after ${step.ms} ms unless it is closing by then`);
          this.arm(step.ms, () => {
            if (this.state() !== 'open') return;
            this.log.add('close-after', `${step.ms} ms passed: starting the closing handshake`);
            void this.startClose(this.spec.close.codes[0] ?? 1000);
          });
          break;
        case 'echo-loop':
          await this.echoLoop(step.opcode, materialize(step.payload), step.count);
          break;
        case 'deflate-loop':
          await this.deflateLoop(step);
          break;
      }
      i++;
    }
  }

  /** Send `count` messages, each once the previous one came back. */
  private async echoLoop(opcode: 1 | 2, payload: Buffer, count: number): Promise<void> {
    const expected: ExpectedEvent = { type: 'message', binary: opcode === Opcode.Binary, payload };
    this.log.add('note', `sending ${count} messages of ${payload.length} bytes, each after the previous echo`);
    for (let n = 0; n < count && this.canContinue(); n++) {
      const before = this.received.length;
      await this.transmit(this.frame(opcode, payload, true, 0));
      await this.nextEvent(before);
      const last = this.received[before];
      if (last === undefined || !eventMatches(expected, last)) return;
    }
  }

  /**
   * Sections 12–13: send compressed messages one at a time, each once the
   * previous one's echo arrived (Autobahn's case 12/13 loop). The echoes are
   * checked as they arrive (see {@link onDeflateMessage}); the loop stops at the
   * first bad one, and then the tester closes.
   */
  private async deflateLoop(step: DeflateLoopStep): Promise<void> {
    if (this.deflate === null) {
      this.log.add('note', 'compressed echo loop skipped: permessage-deflate is not in use');
      return;
    }
    const { deflater, traffic } = this.deflate;
    const size = step.fragmentSize > 0 ? step.fragmentSize : Infinity;
    this.log.add('note', `sending ${step.count} compressed ${step.binary ? 'binary' : 'text'} messages of ${step.length} bytes, ` +
      `each after the previous echo${step.fragmentSize > 0 ? `, in frames of ${step.fragmentSize} octets` : ''} (frames of the first ${LOGGED_ECHOES} logged)`);
    let complete = false;
    for (let n = 0; n < step.count; n++) {
      if (!this.canContinue() || this.facts.closeSent || this.badEcho) break;
      const payload = corpusMessage(step.corpus, step.length, n);
      const compressed = deflater.compress(payload);
      const opcode = step.binary ? Opcode.Binary : Opcode.Text;
      const frames: Buffer[] = [];
      for (let offset = 0; offset < compressed.length || frames.length === 0; offset += size) {
        const end = Math.min(offset + size, compressed.length);
        frames.push(this.frame(offset === 0 ? opcode : Opcode.Continuation, compressed.subarray(offset, end), end === compressed.length, offset === 0 ? 4 : 0));
      }
      traffic.messagesSent++;
      traffic.payloadOctetsSent += payload.length;
      traffic.compressedOctetsSent += compressed.length;
      if (n < LOGGED_ECHOES) {
        this.log.add('tx-frame', `message #${n}: ${payload.length} bytes ${preview(payload, 32)}, compressed to ${compressed.length} octets ` +
          `(RSV1) in ${frames.length} frame(s)`);
      }
      this.awaiting = { seq: n, payload, binary: step.binary };
      const before = this.received.length;
      await this.transmit(Buffer.concat(frames));
      await this.nextEcho(before);
      const echo = this.received.slice(before).find((e): e is EchoEvent => e.type === 'echo');
      if (echo === undefined || this.badEcho) break;
      complete = n === step.count - 1;
    }
    this.awaiting = null;
    this.log.add('note', `${traffic.messagesSent} message(s) sent: ${traffic.payloadOctetsSent} payload octets compressed to ` +
      `${traffic.compressedOctetsSent}; ${traffic.messagesReceived} received (${traffic.compressedMessagesReceived} compressed): ` +
      `${traffic.payloadOctetsReceived} payload octets from ${traffic.wireOctetsReceived} on the wire`);
    if (!complete && this.state() === 'open') {
      this.log.add('note', 'the echo loop stopped early: closing');
      void this.startClose(this.spec.close.codes[0] ?? 1000);
    }
  }

  /** The bytes of a send step; a close step also moves the tester to the closing state. */
  private encode(step: SendStep): Buffer[] {
    switch (step.op) {
      case 'frame':
        return [this.frame(step.opcode, materialize(step.payload), step.fin ?? true, step.rsv ?? 0)];
      case 'message': {
        const payload = materialize(step.payload);
        const size = step.fragmentSize ?? Math.max(payload.length, 1);
        const frames: Buffer[] = [];
        for (let offset = 0; offset < payload.length || frames.length === 0; offset += size) {
          const end = Math.min(offset + size, payload.length);
          frames.push(this.frame(offset === 0 ? step.opcode : Opcode.Continuation, payload.subarray(offset, end), end === payload.length, 0));
        }
        if (this.quiet) {
          this.log.add('tx-frame', `message: opcode=${step.opcode} ${payload.length} bytes in ${frames.length} frame(s)`);
        }
        return frames;
      }
      case 'close': {
        if (this.facts.closeSent) {
          this.log.add('note', 'close step skipped: a close frame was already sent');
          return [];
        }
        const payload = closePayload(step.code, step.reason);
        this.markCloseSent(step.code ?? null, step.reason ?? null);
        return [this.frame(Opcode.Close, payload, true, 0)];
      }
      case 'frame-start': {
        const { header, maskKey } = buildHeader({ opcode: step.opcode, fin: step.fin ?? true, rsv: 0, mask: this.role === 'client' }, step.length);
        this.partial = { maskKey, offset: 0 };
        this.log.countFrame('tx', step.opcode);
        this.log.add('tx-frame', `${this.log.frameText({ opcode: step.opcode, fin: step.fin ?? true, rsv: 0, masked: maskKey !== null, length: step.length }, null)} (header only; payload follows in pieces)`);
        return [header];
      }
      case 'frame-data': {
        const partial = this.partial ?? { maskKey: null, offset: 0 };
        const bytes = maskPiece(step.payload, partial.maskKey, partial.offset);
        partial.offset += step.payload.length;
        this.log.add('tx-frame', `payload piece of ${step.payload.length} bytes: ${preview(step.payload)}`);
        return [bytes];
      }
    }
  }

  /** One frame, masked when the tester is the client, logged. */
  private frame(opcode: number, payload: Buffer, fin: boolean, rsv: number): Buffer {
    const masked = this.role === 'client';
    this.log.countFrame('tx', opcode);
    if (!this.quiet || isControlOpcode(opcode)) {
      this.log.add('tx-frame', this.log.frameText({ opcode, fin, rsv, masked, length: payload.length }, payload));
    }
    return buildFrame({ opcode, fin, rsv, mask: masked }, payload);
  }

  /**
   * Queue bytes for the socket, in `chop`-sized writes, each handed to the
   * kernel before the next. Writes never interleave; resolves when written
   * (or when the connection is gone).
   */
  private transmit(data: Buffer, chop?: number): Promise<void> {
    const job = this.writeChain.then(() => this.write(data, chop));
    this.writeChain = job.catch(() => undefined);
    return job;
  }

  private async write(data: Buffer, chop?: number): Promise<void> {
    if (data.length === 0) return;
    if (!this.writable()) {
      this.log.add('note', `${data.length} octets not sent: the connection is closed`);
      return;
    }
    const size = chop ?? data.length;
    const writes = Math.ceil(data.length / size);
    if (!this.quiet) this.log.add('tx-octets', `${data.length} octets${chop === undefined ? '' : ` in ${writes} write(s) of ≤ ${chop}`}: ${octets(data)}`);
    for (let offset = 0; offset < data.length; offset += size) {
      if (!this.writable()) return;
      const piece = data.subarray(offset, offset + size);
      this.log.stats.txWrites++;
      this.log.stats.txOctets += piece.length;
      // Resolves when the piece is handed to the kernel, or when the connection is gone.
      await new Promise<void>((resolve) => {
        const settle = (): void => {
          this.listeners.delete(onChange);
          resolve();
        };
        const onChange = (): void => { if (this.closed) settle(); };
        this.listeners.add(onChange);
        try {
          this.socket.write(piece, settle);
        } catch {
          settle(); // a socket torn down between the check and the write: the bytes are simply not sent
        }
      });
    }
  }

  private writable(): boolean {
    return !this.closed && !this.ended && !this.socket.destroyed && this.socket.writable;
  }

  // ---- receiving ---------------------------------------------------------

  private onData(chunk: Buffer): void {
    this.log.stats.rxReads++;
    this.log.stats.rxOctets += chunk.length;
    if (!this.quiet) this.log.add('rx-octets', `${chunk.length} octets: ${octets(chunk)}`);
    if (!this.violated) this.reader.push(chunk);
  }

  private onFrame(frame: RawFrame): void {
    this.log.countFrame('rx', frame.opcode);
    const control = isControlOpcode(frame.opcode);
    if (!this.quiet || control) {
      this.log.add('rx-frame', this.log.frameText({ ...frame, length: frame.payload.length }, frame.payload));
    }
    if (this.violated) return;
    // RFC 6455 §1.4, §5.5.1: the close frame is the last frame an endpoint sends.
    if (this.facts.closeReceived) return this.violation('RFC 6455 §5.5.1', `a frame (opcode ${frame.opcode}) followed the peer's close frame`);
    const broken = frameViolation(frame, this.role, { perMessageDeflate: this.deflate !== null });
    if (broken !== null) return this.violation(broken.rule, broken.detail);
    if (control) {
      if (frame.opcode === Opcode.Ping) {
        this.record({ type: 'ping', payload: frame.payload, at: this.log.now() });
        if (this.state() === 'open') void this.transmit(this.frame(Opcode.Pong, frame.payload, true, 0));
      } else if (frame.opcode === Opcode.Pong) {
        this.record({ type: 'pong', payload: frame.payload, at: this.log.now() });
      } else {
        this.onCloseFrame(frame.payload);
      }
      return;
    }
    if (frame.opcode === Opcode.Continuation) {
      if (this.message === null) return this.violation('RFC 6455 §5.4', 'continuation frame with no message in progress');
    } else {
      if (this.message !== null) return this.violation('RFC 6455 §5.4', 'a new data frame began while a fragmented message was in progress');
      this.message = { opcode: frame.opcode, pieces: [], size: 0, frames: 0, compressed: (frame.rsv & 4) !== 0 };
    }
    const message = this.message!;
    message.pieces.push(frame.payload);
    message.size += frame.payload.length;
    message.frames++;
    if (message.size > MAX_RECEIVE_BYTES) return this.violation('tester limit', `message exceeds ${MAX_RECEIVE_BYTES} bytes`);
    if (!frame.fin) return;
    this.message = null;
    const payload = message.pieces.length === 1 ? message.pieces[0]! : Buffer.concat(message.pieces, message.size);
    const binary = message.opcode === Opcode.Binary;
    if (this.deflate !== null) return this.onDeflateMessage(binary, payload, message.compressed, message.frames);
    if (this.quiet) this.log.add('rx-frame', `message: ${binary ? 'binary' : 'text'} ${payload.length} bytes in ${message.frames} frame(s)`);
    // RFC 6455 §8.1: a text message that is not valid UTF-8 MUST fail the connection.
    if (!binary && !isUtf8(payload)) return this.violation('RFC 6455 §8.1', `text message that is not valid UTF-8: ${preview(payload)}`);
    this.record({ type: 'message', binary, payload, at: this.log.now() });
  }

  /**
   * A whole message with permessage-deflate in use: inflated when RSV1 was set
   * (a peer may send any message uncompressed), bounded by the length of the
   * message it should echo, and compared with it on the spot.
   */
  private onDeflateMessage(binary: boolean, wire: Buffer, compressed: boolean, frames: number): void {
    const { inflater, traffic } = this.deflate!;
    const awaiting = this.awaiting;
    const seq = this.echoes++;
    traffic.messagesReceived++;
    traffic.wireOctetsReceived += wire.length;
    if (compressed) traffic.compressedMessagesReceived++;
    let payload = wire;
    let problem: string | null = null;
    if (compressed) {
      try {
        payload = inflater.inflate(wire, awaiting?.payload.length ?? MAX_RECEIVE_BYTES);
      } catch (error) {
        if (!(error instanceof InflateFailure)) throw error;
        if (!error.tooBig) return this.violation('RFC 7692 §7.2.2', `compressed message #${seq} (${wire.length} octets) ${error.message}`);
        if (awaiting === null) return this.violation('tester limit', `compressed message #${seq} ${error.message}`);
        problem = `echo #${seq} ${error.message}, but message #${awaiting.seq} had ${awaiting.payload.length} bytes`;
        payload = Buffer.alloc(0);
      }
    }
    traffic.payloadOctetsReceived += payload.length;
    const what = `${binary ? 'binary' : 'text'} ${payload.length} bytes${compressed ? `, ${wire.length} octets compressed` : ', uncompressed'}, ${frames} frame(s)`;
    if (seq < LOGGED_ECHOES) this.log.add('rx-frame', `message #${seq}: ${what}`);
    // RFC 6455 §8.1 applies to the inflated text (RFC 7692 §6).
    if (problem === null && !binary && !isUtf8(payload)) return this.violation('RFC 6455 §8.1', `text message #${seq} that is not valid UTF-8${compressed ? ' once inflated' : ''}: ${preview(payload)}`);
    if (problem === null) problem = echoProblem(awaiting, seq, binary, payload);
    if (problem !== null && seq >= LOGGED_ECHOES) this.log.add('rx-frame', `message #${seq}: ${what}`);
    if (problem !== null) {
      this.badEcho = true;
      this.log.add('note', `bad echo: ${problem}`);
    }
    this.awaiting = null;
    this.record({ type: 'echo', seq, binary, length: payload.length, compressed, wireLength: wire.length, frames, problem, at: this.log.now() });
  }

  private onCloseFrame(payload: Buffer): void {
    this.facts.closeReceived = true;
    const { code, reason } = readClosePayload(payload);
    this.facts.remoteCloseCode = code;
    this.facts.remoteCloseReason = reason;
    const broken = closePayloadViolation(payload, this.spec.close.codes);
    if (broken !== null) return this.violation(broken.rule, broken.detail);
    this.clearCloseTimer('close-handshake');
    // Close frames went both ways (or are about to): the closing handshake is done.
    this.facts.wasClean = true;
    if (!this.facts.closeSent) {
      // The peer started the close: answer, echoing its code (RFC 6455 §5.5.1).
      void this.startClose(code === null ? undefined : isValidReceivedCloseCode(code) ? code : 1002);
    }
    if (this.role === 'server') {
      // RFC 6455 §7.1.1: the server closes TCP first, right away.
      this.endTcp('closing handshake complete; the server closes TCP (RFC 6455 §7.1.1)');
    } else {
      this.armCloseTimer('server-drop', this.timing.serverDropTimeout, () => {
        this.facts.wasClean = false;
        this.facts.wasServerConnectionDropTimeout = true;
        this.facts.wasNotCleanReason = `the server did not close the TCP connection within ${this.timing.serverDropTimeout} ms after the closing handshake`;
        this.log.add('kill', this.facts.wasNotCleanReason);
        this.drop('server did not close TCP');
      });
    }
  }

  private record(event: ReceivedEvent): void {
    this.received.push(event);
    this.notify();
    if (event.type !== 'timeout' && event.type !== 'violation') this.finishWhenDone();
  }

  /**
   * After each event, in cases where the tester closes: close once the events
   * match the OK outcome (Autobahn's "finish when done"), or as soon as no
   * outcome can match any more (the verdict is decided; no point waiting).
   */
  private finishWhenDone(): void {
    if (!this.spec.close.closedByMe || this.state() !== 'open' || this.violated) return;
    const best = this.spec.outcomes.find((o) => o.verdict === 'OK');
    const complete = best !== undefined && outcomeMatches(best, this.received);
    const hopeless = !this.spec.outcomes.some((o) => outcomeCouldMatch(o, this.received));
    if (complete || hopeless) {
      this.log.add('note', complete ? 'expected events received: closing' : 'events can no longer match any outcome: closing');
      void this.startClose(this.spec.close.codes[0] ?? 1000);
    }
  }

  // ---- closing -----------------------------------------------------------

  private state(): 'open' | 'closing' | 'closed' {
    if (this.closed) return 'closed';
    return this.facts.closeSent || this.facts.closeReceived ? 'closing' : 'open';
  }

  private markCloseSent(code: number | null, reason: Buffer | null): void {
    this.facts.closeSent = true;
    this.facts.localCloseCode = code;
    this.facts.localCloseReason = reason === null ? null : isUtf8(reason) ? reason.toString('utf8') : `0x${reason.toString('hex')}`;
    this.notify(); // a loop waiting for an echo stops sending once the tester closes
    if (!this.facts.closeReceived) {
      this.facts.closedByMe = true;
      this.armCloseTimer('close-handshake', this.timing.closeHandshakeTimeout, () => {
        this.facts.wasCloseHandshakeTimeout = true;
        this.failByTimeout(`the peer did not answer the close frame within ${this.timing.closeHandshakeTimeout} ms`, 'close handshake timeout');
      });
    }
  }

  /** Send a close frame (once), with this code (none: empty payload). */
  private startClose(code: number | undefined): Promise<void> {
    if (this.facts.closeSent) return Promise.resolve();
    this.markCloseSent(code ?? null, null);
    return this.transmit(this.frame(Opcode.Close, closePayload(code, undefined), true, 0));
  }

  /** Close our side of TCP once everything queued is written; destroy if the peer lingers. */
  private endTcp(reason: string): void {
    if (this.ended || this.closed) return;
    if (!this.facts.peerClosedTcp) this.facts.droppedByMe = true;
    this.facts.dropReason ??= reason;
    void this.writeChain.then(() => {
      if (this.closed || this.ended) return;
      this.ended = true;
      this.log.add('tcp', `tester closes TCP: ${reason}`);
      this.socket.end();
      this.armCloseTimer('end-grace', this.timing.endGrace, () => {
        this.log.add('tcp', `the peer did not close its side within ${this.timing.endGrace} ms: destroying the socket`);
        this.socket.destroy();
      });
    });
  }

  /** A deadline ran out: fail the connection by dropping TCP, noting whether the peer had done anything at all. */
  private failByTimeout(why: string, reason: string): void {
    if (this.closed) return;
    if (!this.facts.closeReceived && !this.facts.peerClosedTcp) this.facts.peerSilent = true;
    this.facts.failedByMe = true;
    this.facts.wasClean = false;
    this.facts.wasNotCleanReason ??= why;
    this.drop(reason);
  }

  /** The peer broke a rule: record it and fail the connection by dropping TCP. */
  private violation(rule: string, detail: string): void {
    if (this.violated) return;
    this.violated = true;
    this.log.add('note', `protocol violation by the peer (${rule}): ${detail}`);
    this.record({ type: 'violation', rule, detail, at: this.log.now() });
    this.facts.failedByMe = true;
    this.facts.wasClean = false;
    this.facts.wasNotCleanReason ??= `the tester failed the connection: ${detail}`;
    this.drop('protocol violation by the peer');
  }

  /** Destroy the connection now. */
  private drop(reason: string): void {
    if (this.closed) return;
    if (!this.facts.peerClosedTcp) this.facts.droppedByMe = true;
    this.facts.dropReason ??= reason;
    this.log.add('tcp', `tester drops TCP: ${reason}`);
    this.socket.destroy();
  }

  private onEnd(): void {
    this.facts.peerClosedTcp = true;
    this.log.add('tcp', 'the peer closed TCP (FIN)');
    if (!this.facts.closeReceived) this.facts.wasNotCleanReason ??= 'the peer closed the TCP connection without a close frame';
  }

  private onSocketError(error: NodeJS.ErrnoException): void {
    this.log.add('tcp', `socket error: ${error.code ?? error.message}`);
    if (!this.facts.droppedByMe) this.facts.peerClosedTcp = true;
    if (!this.facts.wasClean) this.facts.wasNotCleanReason ??= `connection error: ${error.code ?? error.message}`;
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.facts.droppedByMe) this.facts.peerClosedTcp = true;
    this.log.add('tcp', this.facts.droppedByMe ? 'TCP closed (dropped by the tester)' : 'TCP closed (by the peer)');
    if (!this.facts.wasClean) this.facts.wasNotCleanReason ??= 'the connection closed without a closing handshake';
    this.notify();
    this.finished();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  // ---- timers ------------------------------------------------------------

  private arm(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  private armCloseTimer(name: string, ms: number, action: () => void): void {
    if (this.closeTimers.has(name) || this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.closeTimers.delete(name);
      if (!this.closed) action();
    }, ms);
    this.timers.add(timer);
    this.closeTimers.set(name, timer);
  }

  private clearCloseTimer(name: string): void {
    const timer = this.closeTimers.get(name);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(timer);
    this.closeTimers.delete(name);
  }

  /** Resolves after `ms`, or earlier when the connection closes. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.listeners.delete(onChange);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.timers.add(timer);
      const onChange = (): void => { if (this.closed) wake(); };
      this.listeners.add(onChange);
    });
  }

  /** Resolves when an echo event comes after the first `count` events, or the tester cannot go on. */
  private nextEcho(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        const echoed = this.received.length > count && this.received.slice(count).some((e) => e.type === 'echo');
        if (echoed || this.closed || this.violated || this.facts.closeReceived || this.facts.closeSent) {
          this.listeners.delete(check);
          resolve();
        }
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Resolves when more than `count` events were received, or the connection closed. */
  private nextEvent(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.received.length > count || this.closed || this.violated || this.facts.closeReceived) {
          this.listeners.delete(check);
          resolve();
        }
      };
      this.listeners.add(check);
      check();
    });
  }

}

/** How an echo differs from the message it should echo; null when it is that message, byte for byte. */
function echoProblem(awaiting: { seq: number; payload: Buffer; binary: boolean } | null, seq: number, binary: boolean, payload: Buffer): string | null {
  if (awaiting === null) return `message #${seq} arrived when no message was waiting for its echo (${binary ? 'binary' : 'text'}, ${payload.length} bytes)`;
  const expected = awaiting.payload;
  if (binary !== awaiting.binary) return `echo #${seq} is ${binary ? 'binary' : 'text'}, but message #${awaiting.seq} was ${awaiting.binary ? 'binary' : 'text'}`;
  if (payload.length !== expected.length) return `echo #${seq} has ${payload.length} bytes, but message #${awaiting.seq} had ${expected.length}`;
  if (!payload.equals(expected)) {
    let at = 0;
    while (payload[at] === expected[at]) at++;
    return `echo #${seq} differs from message #${awaiting.seq} from byte ${at} on (got ${preview(payload.subarray(at), 16)}, ` +
      `expected ${preview(expected.subarray(at), 16)})`;
  }
  return null;
}
