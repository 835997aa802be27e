/**
 * Comparisons between what the library did and what the reference receiver
 * says it must do, shared by the fuzz targets.
 */
import assert from 'node:assert/strict';
import type { ReferenceEnd, ReferenceMessage, ReferenceResult } from '../support/reference-receiver.js';

/** A message as the tests record it. */
export interface SeenMessage {
  readonly binary: boolean;
  readonly data: Buffer;
}

const show = (m: SeenMessage) => `${m.binary ? 'binary' : 'text'}(${m.data.length}:${m.data.subarray(0, 24).toString('hex')}${m.data.length > 24 ? '…' : ''})`;

/** `seen` equals `expected` exactly (`prefix`: `seen` may stop early), byte for byte and in order. */
export function assertMessages(seen: readonly SeenMessage[], expected: readonly ReferenceMessage[], what: string, prefix = false): void {
  if (prefix) assert.ok(seen.length <= expected.length, `${what}: ${seen.length} messages, expected at most ${expected.length}`);
  else assert.equal(seen.length, expected.length, `${what}: ${seen.length} messages, expected ${expected.length}`);
  for (let i = 0; i < seen.length; i++) {
    const a = seen[i]!;
    const b = expected[i]!;
    if (a.binary !== b.binary || !a.data.equals(b.data)) {
      assert.fail(`${what}: message ${i} is ${show(a)}, expected ${show({ binary: b.binary, data: b.data })} (corrupted or reordered)`);
    }
  }
}

/** `seen` is a subsequence of `expected` (in order, some may be missing): pongs may be coalesced under backpressure. */
export function assertSubsequence(seen: readonly Buffer[], expected: readonly Buffer[], what: string): void {
  let j = 0;
  for (const item of seen) {
    while (j < expected.length && !expected[j]!.equals(item)) j++;
    assert.ok(j < expected.length, `${what}: ${item.toString('hex')} was not expected here (out of order or invented)`);
    j++;
  }
}

/** A compact label of an ending, for statistics. */
export function endLabel(end: ReferenceEnd): string {
  switch (end.kind) {
    case 'close': return `close ${end.code}`;
    case 'fail': return `fail ${end.codes.join('|')}`;
    default: return 'incomplete';
  }
}

/**
 * What the endpoint must have put on the wire as its ending, given what it
 * received: the echo of a valid close code (no code: an empty close frame),
 * the failure code, or — when the input ended without either — no close frame.
 */
export function assertWireEnding(wire: ReferenceResult, expected: ReferenceEnd, what: string): void {
  assert.notEqual(wire.end.kind, 'fail', `${what}: the endpoint's own output is invalid: ${wire.end.kind === 'fail' ? wire.end.why : ''}`);
  switch (expected.kind) {
    case 'close':
      assert.ok(wire.end.kind === 'close', `${what}: expected a close frame echoing ${expected.code}, got ${endLabel(wire.end)}`);
      assert.equal(wire.end.code, expected.code, `${what}: close code on the wire`);
      break;
    case 'fail':
      assert.ok(wire.end.kind === 'close', `${what}: expected a close frame with ${expected.codes.join(' or ')} (${expected.why}), got ${endLabel(wire.end)}`);
      assert.ok(expected.codes.includes(wire.end.code), `${what}: close code ${wire.end.code} on the wire, expected ${expected.codes.join(' or ')} (${expected.why})`);
      break;
    default:
      assert.equal(wire.end.kind, 'incomplete', `${what}: the input ended without a close frame, so no close frame is owed, got ${endLabel(wire.end)}`);
  }
}

/** An application-level event, as recorded from a WebSocket. */
export type AppEvent =
  | { readonly type: 'open' }
  | { readonly type: 'message'; readonly binary: boolean; readonly data: Buffer }
  | { readonly type: 'error'; readonly code: string | undefined }
  | { readonly type: 'close'; readonly code: number; readonly reason: string; readonly wasClean: boolean };

/**
 * The application saw: [open,] the expected messages, then exactly one close
 * — clean with the peer's code and reason after a valid close frame;
 * otherwise `error` then `close` 1006, unclean — and nothing after it.
 */
export function assertAppEvents(events: readonly AppEvent[], expected: ReferenceResult, what: string, opened: boolean): void {
  let rest = events;
  if (opened) {
    assert.equal(rest[0]?.type, 'open', `${what}: the first event is ${rest[0]?.type}, expected open`);
    rest = rest.slice(1);
  }
  const messages = rest.filter((e) => e.type === 'message');
  assertMessages(messages, expected.messages, `${what} (delivered to the application)`);
  const tail = rest.slice(messages.length);
  assert.ok(rest.slice(0, messages.length).every((e) => e.type === 'message'), `${what}: an event came between messages: ${rest.map((e) => e.type).join(',')}`);
  const closes = tail.filter((e) => e.type === 'close');
  assert.equal(closes.length, 1, `${what}: ${closes.length} close events (${tail.map((e) => e.type).join(',')})`);
  const close = closes[0] as Extract<AppEvent, { type: 'close' }>;
  assert.equal(tail.at(-1), close, `${what}: an event after close`);
  if (expected.end.kind === 'close') {
    assert.deepEqual(tail.map((e) => e.type), ['close'], `${what}: a clean close fires close only`);
    assert.deepEqual([close.code, close.reason, close.wasClean], [expected.end.code, expected.end.reason, true], `${what}: close event`);
  } else {
    assert.deepEqual(tail.map((e) => e.type), ['error', 'close'], `${what}: a failed or lost connection fires error then close`);
    assert.deepEqual([close.code, close.wasClean], [1006, false], `${what}: close event`);
  }
}
