/**
 * One WebSocket connection's state machine: the only place in the library
 * with I/O and time. It drives the pure frame parser and serializer over a
 * Duplex (a net.Socket, a tls.TLSSocket, or any stream) and reports to the
 * layer above through the narrow {@link ConnectionHandler} interface.
 *
 * ```
 *             attach()                close() / peer's close frame
 * Connecting ─────────► Open ──────────────────────────────────────┐
 *     │                  │                                          ▼
 *     │ failHandshake()  │ protocol error, socket loss,     ClosingByUs | ClosingByPeer
 *     │                  │ heartbeat or close timeout              │
 *     ▼                  ▼                                          ▼ TCP closed
 *   Closed ◄──────────────────────────────────────────────────── Closed
 * ```
 *
 * Invariants:
 * - Every state change goes through this class; the API derives readyState
 *   from {@link Connection.readyState} and stores nothing twice.
 * - `onClose` is called exactly once, after which nothing else is called. When
 *   the closing handshake did not complete (wasClean false), `onError` is
 *   called once just before it, with the state already Closed.
 * - Every failure goes through {@link Connection.fail}: send a close frame if
 *   none was sent, stop processing input (RFC 6455 §7.1.7: "MUST NOT continue
 *   to attempt to process data"), half-close TCP, arm the close timer.
 * - The reported close code is the code of the first close frame received, 1005
 *   if it had none, 1006 if none was received (RFC 6455 §7.1.5); the wire may
 *   have carried another code (we fail with 1002, the app sees 1006).
 * - The server closes TCP first after the closing handshake; the client waits
 *   for it, bounded by the close timeout (RFC 6455 §7.1.1).
 */
import type { Duplex } from 'node:stream';
import { CloseCode } from '../frame/close-code.js';
import type { ProtocolError } from '../frame/errors.js';
import { Opcode } from '../frame/opcode.js';
import { type FrameHandler, FrameParser } from '../frame/parser.js';
import { encodeClosePayload, encodeFrame, encodeMessage } from '../frame/serializer.js';
import { ConnectionError } from './errors.js';
import { FrameWriter } from './frame-writer.js';
import { type ConnectionOptions, type ResolvedConnectionOptions, resolveConnectionOptions } from './options.js';
import { type NegotiatedDeflate, PerMessageDeflate } from './permessage-deflate.js';

/** The connection's states; "closing" is split by who started it. */
export const ConnectionState = {
  Connecting: 0,
  Open: 1,
  ClosingByUs: 2,
  ClosingByPeer: 3,
  Closed: 4,
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** How the connection ended, as reported to the layer above. */
export interface CloseInfo {
  /** Code of the first close frame received; 1005 if it had none; 1006 if none came. */
  readonly code: number;
  /** Reason of that close frame ('' otherwise). */
  readonly reason: string;
  /** Both close frames were exchanged before TCP closed. */
  readonly wasClean: boolean;
}

/**
 * What the connection reports. Calls are synchronous, in wire order. The
 * handler must not throw (the API layer dispatches events through
 * EventTarget, which reports listener exceptions without rethrowing them).
 */
export interface ConnectionHandler {
  /** A complete, validated data message. */
  onMessage(data: Buffer, isBinary: boolean): void;
  /** A ping arrived (already answered with a pong). */
  onPing(payload: Buffer): void;
  /** A pong arrived. */
  onPong(payload: Buffer): void;
  /** The connection failed or was lost; called once, just before onClose, in state Closed. */
  onError(error: Error): void;
  /** The connection is closed. Called exactly once; nothing follows. */
  onClose(info: CloseInfo): void;
  /** bufferedAmount fell to the low threshold or below. */
  onBufferedAmountLow(): void;
}

/** Per-message send options. */
export interface SendOptions {
  /**
   * The bytes may be mutated by the caller after `send()` returns: copy them.
   * Default true for Uint8Array data (the WHATWG API copies at call time).
   */
  readonly copy?: boolean;
  /**
   * With permessage-deflate negotiated: compress this message (if it reaches
   * the threshold). Default true; false sends it uncompressed.
   */
  readonly compress?: boolean;
}

/** A message waiting behind one that is being compressed (order is kept). */
interface QueuedMessage {
  readonly data: Buffer | string;
  readonly isBinary: boolean;
  readonly size: number;
  readonly compress: boolean;
}

const EMPTY = Buffer.alloc(0);

/** The connection that owns a socket, stored on the socket for the shared listeners below. */
const kConnection = Symbol('rfc6455.connection');
type OwnedSocket = Duplex & { [kConnection]?: Connection | undefined };

// Socket listeners are module-level functions that find their connection
// through the socket, rather than four closures per connection: an idle
// connection's memory is what a server with many clients pays for.
function socketOnData(this: OwnedSocket, chunk: Buffer): void {
  this[kConnection]?.receiveData(chunk);
}
function socketOnEnd(this: OwnedSocket): void {
  this[kConnection]?.transportEnded();
}
function socketOnError(this: OwnedSocket, error: Error): void {
  this[kConnection]?.transportFailed(error);
}
function socketOnClose(this: OwnedSocket): void {
  this[kConnection]?.transportClosed();
}

/**
 * A connection is also its parser's {@link FrameHandler}: the `on*` methods
 * below are called by the FrameParser, not meant for other callers.
 */
export class Connection implements FrameHandler {
  readonly role: 'client' | 'server';
  readonly options: ResolvedConnectionOptions;
  private readonly handler: ConnectionHandler;

  private stateValue: ConnectionState = ConnectionState.Connecting;
  private socket: Duplex | null = null;
  private parser: FrameParser | null = null;
  private writer: FrameWriter | null = null;
  private pendingHead: Buffer | null = null;

  // Closing handshake bookkeeping (RFC 6455 §7).
  private closeFrameSent = false;
  private closeFrameReceived = false;
  private receivedCode: number = CloseCode.AbnormalClosure;
  private receivedReason = '';
  private failure: Error | null = null; // why the connection failed, reported before onClose
  private closeTimer: NodeJS.Timeout | null = null;

  // Liveness.
  private idleTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private awaitingPong = false;
  private pingCounter = 0;

  /** Bytes passed to send() after the closing handshake began (WHATWG: counted, never sent). */
  private discardedBytes = 0;

  // permessage-deflate (RFC 7692), when negotiated.
  private deflate: PerMessageDeflate | null = null;
  /** Messages waiting for a compression ahead of them to finish. */
  private readonly outgoing: QueuedMessage[] = [];
  private queuedBytes = 0;
  private compressing = false;
  /** A close frame (ours or our echo) waiting behind queued messages. */
  private pendingClose: { code: number; reason: string } | null = null;
  /** Half-close TCP once everything queued is written (the server after the closing handshake, or after the peer's FIN). */
  private endAfterFlush = false;
  /** The peer sent FIN; we finish reading what it sent before ending our side. */
  private peerEnded = false;

  constructor(role: 'client' | 'server', options: ConnectionOptions, handler: ConnectionHandler) {
    this.role = role;
    this.options = resolveConnectionOptions(options);
    this.handler = handler;
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The WHATWG readyState: 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. */
  get readyState(): 0 | 1 | 2 | 3 {
    switch (this.stateValue) {
      case ConnectionState.Connecting: return 0;
      case ConnectionState.Open: return 1;
      case ConnectionState.Closed: return 3;
      default: return 2;
    }
  }

  /** Application bytes queued by send() and not yet handed to the kernel (WHATWG bufferedAmount). */
  get bufferedAmount(): number {
    return (this.writer?.bufferedAmount ?? 0) + this.queuedBytes + this.discardedBytes;
  }

  /** The threshold for {@link ConnectionHandler.onBufferedAmountLow}. */
  get bufferedAmountLowThreshold(): number {
    return this.writer?.lowThreshold ?? this.options.bufferedAmountLowThreshold;
  }

  set bufferedAmountLowThreshold(value: number) {
    if (this.writer !== null) this.writer.lowThreshold = value;
  }

  /** The underlying stream (null before attach). */
  get transport(): Duplex | null {
    return this.socket;
  }

  // ---- opening --------------------------------------------------------------

  /**
   * The opening handshake succeeded: Connecting → Open. `head` holds bytes
   * that arrived after the handshake (the first frames); they and the rest of
   * the stream are processed only once {@link start} is called, so the layer
   * above can announce `open` first. `deflate` is the permessage-deflate
   * agreement of the handshake, if any.
   */
  attach(socket: Duplex, head: Buffer = EMPTY, deflate?: NegotiatedDeflate): void {
    if (this.stateValue !== ConnectionState.Connecting) throw new Error('Connection.attach: the connection is not connecting');
    this.stateValue = ConnectionState.Open;
    this.socket = socket;
    this.pendingHead = head;
    if (deflate !== undefined) this.deflate = new PerMessageDeflate(this.role, deflate);
    this.writer = new FrameWriter(socket, this.options.bufferedAmountLowThreshold, this);
    this.parser = new FrameParser({ role: this.role, maxPayload: this.options.maxPayload, allowRsv1: this.deflate !== null }, this);
    // Small frames should leave at once rather than wait for Nagle's algorithm.
    (socket as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
    (socket as OwnedSocket)[kConnection] = this;
    // We decide when our side ends (after processing everything the peer sent
    // before its FIN, e.g. a compressed message still inflating and the close
    // frame behind it), so Node must not end it for us on 'end'.
    (socket as { allowHalfOpen?: boolean }).allowHalfOpen = true;
    socket.on('data', socketOnData);
    socket.on('end', socketOnEnd);
    socket.on('error', socketOnError);
    socket.on('close', socketOnClose);
    socket.pause(); // until start()
  }

  /** Begin processing input: first the handshake's leftover bytes, then the stream. */
  start(): void {
    const socket = this.socket;
    if (socket === null) throw new Error('Connection.start: not attached');
    const head = this.pendingHead;
    this.pendingHead = null;
    if (head !== null && head.length > 0) this.receiveData(head);
    this.armIdleTimer();
    this.armHeartbeat();
    if (this.stateValue !== ConnectionState.Closed) socket.resume();
  }

  /**
   * The opening handshake failed or was aborted: Connecting (or closing
   * while connecting) → Closed, with `onError(error)` then `onClose(1006)`
   * (WHATWG: "fail the WebSocket connection").
   */
  failHandshake(error: Error): void {
    if (this.socket !== null || this.stateValue === ConnectionState.Closed) return;
    this.failure = error;
    this.finish();
  }

  /** True when close() was called before the handshake completed; the owner must abort it. */
  get closedWhileConnecting(): boolean {
    return this.socket === null && this.stateValue === ConnectionState.ClosingByUs;
  }

  // ---- sending --------------------------------------------------------------

  /**
   * Send a data message. Outside the Open state the bytes are only counted
   * in bufferedAmount (WHATWG `send()` after close) and nothing is sent.
   */
  send(data: Buffer | string, isBinary: boolean, options: SendOptions = {}): void {
    const size = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
    if (this.stateValue !== ConnectionState.Open || this.writer === null) {
      this.discardedBytes += size;
      return;
    }
    const compress = this.deflate !== null && options.compress !== false && size >= this.deflate.threshold;
    if (compress || this.outgoing.length > 0) {
      // zlib works asynchronously: the message waits its turn, and its bytes
      // must not change meanwhile, so a caller's buffer is copied now.
      const owned = typeof data === 'string' || options.copy === false ? data : Buffer.from(data);
      this.outgoing.push({ data: owned, isBinary, size, compress });
      this.queuedBytes += size;
      this.flushOutgoing();
      return;
    }
    this.writeMessage(data, isBinary, size, false, options.copy ?? true);
  }

  private writeMessage(data: Buffer | string, isBinary: boolean, size: number, compressed: boolean, copy: boolean): void {
    const frames = encodeMessage(isBinary ? Opcode.Binary : Opcode.Text, data, {
      mask: this.role === 'client',
      copy,
      // RFC 7692 §6.1: RSV1 on the first frame of a compressed message only.
      rsv1: compressed,
      ...(this.options.fragmentSize > 0 ? { fragmentSize: this.options.fragmentSize } : {}),
    });
    this.writer!.writeMessage(frames, size);
  }

  /** Write queued messages in order, compressing those that ask for it, one at a time. */
  private flushOutgoing(): void {
    while (!this.compressing && this.outgoing.length > 0) {
      if (this.writer === null || this.writer.isEnded || this.stateValue === ConnectionState.Closed) return;
      const message = this.outgoing[0]!;
      if (this.closeFrameSent) {
        // RFC 6455 §5.5.1: no data frame may follow a close frame.
        this.outgoing.length = 0;
        break;
      }
      if (!message.compress) {
        this.outgoing.shift();
        this.queuedBytes -= message.size;
        this.writeMessage(message.data, message.isBinary, message.size, false, false);
        continue;
      }
      this.compressing = true;
      const bytes = typeof message.data === 'string' ? Buffer.from(message.data, 'utf8') : message.data;
      this.deflate!.compress(bytes, (error, payload) => {
        this.compressing = false;
        if (this.stateValue === ConnectionState.Closed) return;
        if (error !== null) {
          this.fail(CloseCode.InternalError, '', error);
          return;
        }
        this.outgoing.shift();
        this.queuedBytes -= message.size;
        this.writeMessage(payload, message.isBinary, message.size, true, false);
        this.flushOutgoing();
      });
    }
    // RFC 6455 §5.5.1 / WHATWG close(): the close frame follows every message sent before it.
    if (!this.compressing && this.outgoing.length === 0 && this.pendingClose !== null) {
      const { code, reason } = this.pendingClose;
      this.pendingClose = null;
      this.sendCloseFrame(code, reason);
    }
    this.endIfFlushed();
  }

  /** Half-close TCP if asked to and nothing waits to be written any more. */
  private endIfFlushed(): void {
    if (this.endAfterFlush && !this.compressing && this.outgoing.length === 0 && this.pendingClose === null) this.writer?.end();
  }

  /**
   * The peer's FIN has arrived and every byte it sent before it has been
   * processed: end our side too (after anything still queued).
   */
  private endIfInputDone(): void {
    // The parser stays paused while a compressed piece inflates, so isPaused covers that too.
    if (!this.peerEnded || this.parser === null || this.parser.isPaused || this.parser.queuedBytes > 0) return;
    this.endAfterFlush = true;
    this.endIfFlushed();
  }

  /** Send a ping (0–125 bytes; RFC 6455 §5.5). Ignored unless Open. */
  ping(payload: Buffer = EMPTY): void {
    if (payload.length > 125) throw new RangeError('A ping payload must be 125 bytes or less');
    if (this.stateValue !== ConnectionState.Open) return;
    this.writer!.writePing(encodeFrame(Opcode.Ping, payload, { mask: this.role === 'client', copy: true }));
  }

  /** Send an unsolicited pong (0–125 bytes; RFC 6455 §5.5.3 allows it as a heartbeat). Ignored unless Open. */
  pong(payload: Buffer = EMPTY): void {
    if (payload.length > 125) throw new RangeError('A pong payload must be 125 bytes or less');
    if (this.stateValue !== ConnectionState.Open) return;
    this.writer!.writePong(encodeFrame(Opcode.Pong, payload, { mask: this.role === 'client', copy: true }));
  }

  // ---- closing --------------------------------------------------------------

  /**
   * Start the closing handshake (RFC 6455 §7.1.2): send a close frame with
   * `code` (1005 = no code, an empty close frame) and `reason`, then wait for
   * the peer's close frame and TCP close, bounded by closeTimeout.
   * Validation of code and reason is the caller's (the API follows WHATWG).
   */
  close(code: number = CloseCode.NoStatusReceived, reason = ''): void {
    if (this.stateValue === ConnectionState.Connecting) {
      // WHATWG "close the WebSocket": fail the connection and report CLOSING
      // until the owner, having aborted the handshake, calls failHandshake().
      this.stateValue = ConnectionState.ClosingByUs;
      return;
    }
    if (this.stateValue !== ConnectionState.Open) return;
    this.stateValue = ConnectionState.ClosingByUs;
    if (this.outgoing.length > 0) {
      // Messages are still being compressed: the close frame goes out after them.
      this.pendingClose = { code, reason };
    } else {
      this.sendCloseFrame(code, reason);
    }
    this.armCloseTimer();
  }

  /** Destroy the connection at once, without a closing handshake (code 1006). */
  terminate(): void {
    if (this.stateValue === ConnectionState.Closed) return;
    if (this.socket === null) {
      this.failHandshake(new ConnectionError('WS_ERR_TERMINATED', 'WebSocket terminated before the connection was established'));
      return;
    }
    this.failure ??= new ConnectionError('WS_ERR_TERMINATED', 'WebSocket terminated');
    this.socket!.destroy();
  }

  /**
   * Fail the WebSocket connection (RFC 6455 §7.1.7) with `code` on the wire:
   * send a close frame if none was sent yet, stop processing input, half-close
   * TCP and wait (bounded) for the peer to close. `error` is reported to the
   * handler before onClose.
   */
  fail(code: number, reason: string, error: Error): void {
    if (this.stateValue === ConnectionState.Closed || this.socket === null) return;
    this.failure ??= error;
    if (this.stateValue === ConnectionState.Open) this.stateValue = ConnectionState.ClosingByUs;
    // Failing drops what still waits for compression; the close frame goes now.
    this.outgoing.length = 0;
    this.pendingClose = null;
    this.sendCloseFrame(code, reason);
    this.writer!.end();
    this.armCloseTimer();
  }

  private sendCloseFrame(code: number, reason: string): void {
    if (this.closeFrameSent) return;
    this.closeFrameSent = true;
    this.writer!.writeClose(encodeFrame(Opcode.Close, encodeClosePayload(code, reason), { mask: this.role === 'client' }));
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== null || this.stateValue === ConnectionState.Closed) return;
    this.clearLivenessTimers();
    this.closeTimer = setTimeout(() => {
      this.closeTimer = null;
      if (this.stateValue === ConnectionState.Closed) return;
      this.failure ??= new ConnectionError('WS_ERR_CLOSE_TIMEOUT', `The peer did not complete the closing handshake within ${this.options.closeTimeout} ms`);
      this.socket?.destroy();
    }, this.options.closeTimeout);
  }

  // ---- receiving ------------------------------------------------------------

  /** @internal Bytes from the transport. */
  receiveData(chunk: Buffer): void {
    if (this.idleTimer !== null) this.idleTimer.refresh();
    try {
      this.parser!.push(chunk);
    } catch (error) {
      // Nothing in the parser throws by design; if something does (an
      // allocation failure, a bug), it costs this connection (1011), never
      // the process — this runs inside a socket 'data' listener.
      this.fail(CloseCode.InternalError, '', error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** @internal FrameHandler: a complete data message. */
  onMessage(data: Buffer, isBinary: boolean): void {
    // WHATWG: a message received when readyState is not OPEN is dropped.
    if (this.stateValue === ConnectionState.Open) this.handler.onMessage(data, isBinary);
  }

  /** @internal FrameHandler: a ping. */
  onPing(payload: Buffer): void {
    if (this.stateValue !== ConnectionState.Open) return;
    // RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a
    // Pong frame in response", with "identical Application data" (§5.5.3).
    this.writer!.writePong(encodeFrame(Opcode.Pong, payload, { mask: this.role === 'client', copy: true }));
    this.handler.onPing(payload);
  }

  /** @internal FrameHandler: a pong. */
  onPong(payload: Buffer): void {
    this.awaitingPong = false;
    if (this.stateValue === ConnectionState.Open) this.handler.onPong(payload);
  }

  /** @internal FrameHandler: the peer's close frame. */
  onClose(code: number, reason: string): void {
    this.closeFrameReceived = true;
    this.receivedCode = code;
    this.receivedReason = reason;
    if (this.stateValue === ConnectionState.Open) {
      // RFC 6455 §5.5.1: reply with a close frame, "typically echoing the status
      // code it received" (none if it had none) — after a message still being
      // compressed, which the RFC allows ("MAY delay ... until its current message is sent").
      this.stateValue = ConnectionState.ClosingByPeer;
      if (this.outgoing.length > 0) this.pendingClose = { code, reason: '' };
      else this.sendCloseFrame(code, '');
    }
    // RFC 6455 §7.1.1: "the server MUST close the underlying TCP connection
    // first" (once its own close frame is out); the client waits for it,
    // bounded by the close timer.
    if (this.role === 'server') {
      this.endAfterFlush = true;
      this.endIfFlushed();
    }
    this.armCloseTimer();
  }

  /** @internal FrameHandler: the peer broke the protocol. */
  onError(error: ProtocolError): void {
    this.fail(error.closeCode, '', error);
  }

  /**
   * A piece of a compressed message (RFC 7692): inflate it while input waits
   * — the parser and the socket are paused, so messages stay in order and
   * memory stays bounded by one socket read — then go on.
   */
  /** @internal FrameHandler: a piece of a compressed message. */
  onCompressedData(data: Buffer, isBinary: boolean, isFirst: boolean, isLast: boolean): void {
    const parser = this.parser!;
    const socket = this.socket!;
    parser.pause();
    socket.pause();
    this.deflate!.decompress(data, isFirst, isLast, !isBinary, this.options.maxPayload, (error, message) => {
      if (this.stateValue === ConnectionState.Closed) return;
      if (error !== null) {
        this.fail(error.closeCode, '', error);
        socket.resume(); // keep reading (and discarding) until the peer closes
        return;
      }
      if (message !== null) this.onMessage(message, isBinary);
      parser.resume();
      // resume() may have delivered more (even a close): re-read the state.
      if (parser.isPaused || (this.stateValue as ConnectionState) === ConnectionState.Closed) return;
      socket.resume();
      this.endIfInputDone();
    });
  }

  // ---- socket events --------------------------------------------------------

  /** @internal The peer sent FIN. */
  transportEnded(): void {
    this.peerEnded = true;
    this.endIfInputDone();
  }

  /** @internal The transport reported an error; 'close' follows. */
  transportFailed(error: Error): void {
    this.failure ??= new ConnectionError('WS_ERR_SOCKET', `Socket error: ${error.message}`, { cause: error });
  }

  /** @internal The transport is closed. */
  transportClosed(): void {
    this.finish();
  }

  /** @internal FrameWriter: bufferedAmount fell to the threshold. */
  bufferedAmountLow(): void {
    if (this.stateValue !== ConnectionState.Closed) this.handler.onBufferedAmountLow();
  }

  /** Enter Closed and report, exactly once. */
  private finish(): void {
    if (this.stateValue === ConnectionState.Closed) return;
    this.stateValue = ConnectionState.Closed;
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.clearLivenessTimers();
    this.deflate?.close();
    this.outgoing.length = 0;
    const socket = this.socket;
    if (socket !== null) {
      socket.off('data', socketOnData);
      socket.off('end', socketOnEnd);
      socket.off('close', socketOnClose);
      (socket as OwnedSocket)[kConnection] = undefined;
      // Keep an error listener: a late error on a dead socket must not crash the process.
      socket.destroy();
    }
    const wasClean = this.closeFrameSent && this.closeFrameReceived;
    const info: CloseInfo = {
      code: this.closeFrameReceived ? this.receivedCode : CloseCode.AbnormalClosure,
      reason: this.closeFrameReceived ? this.receivedReason : '',
      wasClean,
    };
    if (!wasClean) {
      this.handler.onError(this.failure ?? new ConnectionError('WS_ERR_CONNECTION_LOST', 'The connection closed without a closing handshake (1006)'));
    }
    this.handler.onClose(info);
  }

  // ---- liveness -------------------------------------------------------------

  private armIdleTimer(): void {
    const timeout = this.options.idleTimeout;
    if (timeout === 0 || this.stateValue !== ConnectionState.Open) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      this.close(CloseCode.GoingAway, 'Idle timeout');
    }, timeout);
  }

  private armHeartbeat(): void {
    const interval = this.options.heartbeatInterval;
    if (interval === 0 || this.stateValue !== ConnectionState.Open) return;
    this.heartbeatTimer = setTimeout(() => this.heartbeat(), interval);
  }

  /** Send a heartbeat ping and check for its pong after heartbeatTimeout. */
  private heartbeat(): void {
    if (this.stateValue !== ConnectionState.Open) return;
    this.awaitingPong = true;
    const payload = Buffer.allocUnsafe(4);
    payload.writeUInt32BE(++this.pingCounter >>> 0);
    this.writer!.writePing(encodeFrame(Opcode.Ping, payload, { mask: this.role === 'client' }));
    this.heartbeatTimer = setTimeout(() => this.heartbeatCheck(), this.options.heartbeatTimeout);
  }

  private heartbeatCheck(): void {
    if (this.stateValue !== ConnectionState.Open) return;
    if (this.awaitingPong) {
      // A half-open connection: the peer is gone without a FIN. Nothing can be
      // exchanged any more, so drop TCP and report 1006.
      this.failure ??= new ConnectionError('WS_ERR_HEARTBEAT_TIMEOUT', `No pong within ${this.options.heartbeatTimeout} ms of a heartbeat ping`);
      this.socket!.destroy();
      return;
    }
    const rest = Math.max(0, this.options.heartbeatInterval - this.options.heartbeatTimeout);
    this.heartbeatTimer = setTimeout(() => this.heartbeat(), rest);
  }

  private clearLivenessTimers(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.idleTimer = null;
    this.heartbeatTimer = null;
  }
}
