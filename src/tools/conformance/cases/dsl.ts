/**
 * A small vocabulary for writing cases as data: steps, expected events,
 * outcomes and closing expectations, plus the {@link Profile} that scales
 * waits and sizes for `--quick` runs.
 */
import { CloseCode } from '../../../frame/close-code.js';
import { Opcode } from '../../../frame/opcode.js';
import type {
  Bytes, CloseStep, DeadlineStep, ExpectedClose, ExpectedEvent, FrameDataStep, FrameStartStep,
  FrameStep, MessageStep, Outcome, SendOptions, WaitStep,
} from '../types.js';

/**
 * How big and how patient a run is. The full profile uses Autobahn's sizes and
 * waits; the quick one (for CI) divides section 9's payload sizes by 16 (at
 * most 1 MiB), sends fewer round-trip messages (a quarter in section 9, a
 * fiftieth in sections 12–13) and halves the waits.
 */
export interface Profile {
  readonly quick: boolean;
  /** A wait or deadline, in ms. */
  wait(ms: number): number;
  /** A section 9 payload size, in bytes. */
  size(bytes: number): number;
  /** A section 9 message count. */
  count(n: number): number;
  /** A section 12–13 message count (payload sizes stay: they matter against the 32 KiB window). */
  deflateCount(n: number): number;
}

/** Autobahn's sizes and waits. */
export const FULL_PROFILE: Profile = {
  quick: false,
  wait: (ms) => ms,
  size: (bytes) => bytes,
  count: (n) => n,
  deflateCount: (n) => n,
};

/** Smaller and faster, for CI. Waits never drop below 100 ms: they are observation windows. */
export const QUICK_PROFILE: Profile = {
  quick: true,
  wait: (ms) => Math.max(100, Math.round(ms / 2)),
  size: (bytes) => Math.max(1, Math.floor(bytes / 16)),
  count: (n) => Math.max(1, Math.floor(n / 4)),
  deflateCount: (n) => Math.max(1, Math.floor(n / 50)),
};

/** Data opcodes, short. */
export const TEXT = Opcode.Text;
export const BINARY = Opcode.Binary;

/** One frame exactly as given. */
export function frame(opcode: number, payload: Bytes = Buffer.alloc(0), options: SendOptions & { fin?: boolean; rsv?: number } = {}): FrameStep {
  return { op: 'frame', opcode, payload, ...options };
}

/** A whole data message, optionally fragmented. */
export function message(opcode: 1 | 2, payload: Bytes, options: SendOptions & { fragmentSize?: number } = {}): MessageStep {
  return { op: 'message', opcode, payload, ...options };
}

/** A close frame that starts the closing handshake. */
export function close(code?: number, reason?: Buffer, options: SendOptions = {}): CloseStep {
  return { op: 'close', ...(code === undefined ? {} : { code }), ...(reason === undefined ? {} : { reason }), ...options };
}

/** The header of a frame whose payload is sent later by {@link frameData}. */
export function frameStart(opcode: number, length: number, fin = true): FrameStartStep {
  return { op: 'frame-start', opcode, length, fin };
}

/** More payload of the frame begun by {@link frameStart}. */
export function frameData(payload: Buffer): FrameDataStep {
  return { op: 'frame-data', payload };
}

/** Wait; with a tag, note a `timeout` event if the connection is still open. */
export function wait(ms: number, tag?: string): WaitStep {
  return tag === undefined ? { op: 'wait', ms } : { op: 'wait', ms, tag };
}

/** Fail the connection (drop TCP) after `ms` unless it closed by then. */
export function killAfter(ms: number): DeadlineStep {
  return { op: 'kill-after', ms };
}

/** Start a normal close after `ms` unless the connection is closing by then. */
export function closeAfter(ms: number): DeadlineStep {
  return { op: 'close-after', ms };
}

/** Expect a message echoed back. */
export function echo(payload: Bytes, binary = false): ExpectedEvent {
  return { type: 'message', binary, payload };
}

/** Expect a pong with this payload. */
export function pong(payload: Bytes = Buffer.alloc(0)): ExpectedEvent {
  return { type: 'pong', payload };
}

/** Expect that the tester's tagged wait ran out with the connection still open. */
export function timeout(tag: string): ExpectedEvent {
  return { type: 'timeout', tag };
}

/** An OK outcome: exactly these events. */
export function ok(note: string, ...events: ExpectedEvent[]): Outcome {
  return { verdict: 'OK', note, events };
}

/** A NON-STRICT outcome: exactly these events. */
export function nonStrict(note: string, ...events: ExpectedEvent[]): Outcome {
  return { verdict: 'NON-STRICT', note, events };
}

/** The tester closes with 1000 once the expected events arrived; the close must be clean. */
export const NORMAL_CLOSE: ExpectedClose = { closedByMe: true, codes: [CloseCode.NormalClosure], requireClean: true };

/** The peer must fail the connection, with one of `codes` (or by dropping TCP). */
export function peerFails(...codes: number[]): ExpectedClose {
  return { closedByMe: false, codes, requireClean: false };
}
