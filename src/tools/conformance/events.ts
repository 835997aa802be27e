/**
 * Comparing received events with a case's outcomes, and rendering events for
 * reports.
 *
 * Like Autobahn, an outcome's event list is compared with the *whole* list of
 * received events: nothing missing, nothing extra, same order. A pong for an
 * unsolicited pong, an echo of a frame the peer should have rejected, or a
 * message that arrives after the close all make the comparison fail.
 */
import { bytesEqual, byteLength, preview } from './bytes.js';
import type { ExpectedEvent, Outcome, ReceivedEvent } from './types.js';

/** Whether one received event is the expected one. */
export function eventMatches(expected: ExpectedEvent, received: ReceivedEvent): boolean {
  switch (expected.type) {
    case 'message':
      return received.type === 'message' && received.binary === expected.binary && bytesEqual(expected.payload, received.payload);
    case 'pong':
      return received.type === 'pong' && bytesEqual(expected.payload, received.payload);
    case 'timeout':
      return received.type === 'timeout' && received.tag === expected.tag;
  }
}

/** Whether the received events are exactly what `outcome` describes. */
export function outcomeMatches(outcome: Outcome, received: readonly ReceivedEvent[]): boolean {
  if (outcome.matches !== undefined) return outcome.matches(received);
  const events = outcome.events ?? [];
  return events.length === received.length && events.every((event, i) => eventMatches(event, received[i]!));
}

/**
 * Whether more events could still make `received` match `outcome` (received is
 * a prefix of it). Predicate outcomes cannot tell, so they always could.
 */
export function outcomeCouldMatch(outcome: Outcome, received: readonly ReceivedEvent[]): boolean {
  if (outcome.matches !== undefined) return true;
  const events = outcome.events ?? [];
  return received.length <= events.length && received.every((event, i) => eventMatches(events[i]!, event));
}

/** An expected event, for reports: `message text "Hello"`, `pong (empty)`, `timeout A`. */
export function renderExpected(event: ExpectedEvent): string {
  switch (event.type) {
    case 'message':
      return `message ${event.binary ? 'binary' : 'text'} ${preview(event.payload)}${lengthNote(byteLength(event.payload))}`;
    case 'pong':
      return `pong ${preview(event.payload)}`;
    case 'timeout':
      return `timeout ${event.tag} (the wait ran out with the connection open)`;
  }
}

/** A received event, for reports, with its time. */
export function renderReceived(event: ReceivedEvent): string {
  const at = `@${event.at.toFixed(1)} ms`;
  switch (event.type) {
    case 'message':
      return `message ${event.binary ? 'binary' : 'text'} ${preview(event.payload)}${lengthNote(event.payload.length)} ${at}`;
    case 'ping':
    case 'pong':
      return `${event.type} ${preview(event.payload)} ${at}`;
    case 'timeout':
      return `timeout ${event.tag} ${at}`;
    case 'violation':
      return `protocol violation by the peer (${event.rule}): ${event.detail} ${at}`;
    case 'echo':
      return `echo #${event.seq} ${event.binary ? 'binary' : 'text'} ${event.length} bytes ` +
        `(${event.compressed ? `compressed, ${event.wireLength} octets` : 'uncompressed'}, ${event.frames} frame${event.frames === 1 ? '' : 's'}) ` +
        `${event.problem === null ? 'equal to the message sent' : `BAD: ${event.problem}`} ${at}`;
  }
}

function lengthNote(length: number): string {
  return length > 64 ? '' : length === 0 ? '' : ` [${length} bytes]`;
}

/**
 * A long event list shortened for reports: the first and last few events and
 * the number left out (a round-trip case receives a thousand echoes).
 */
export function abbreviate(lines: readonly string[], head = 20, tail = 5): string[] {
  if (lines.length <= head + tail + 1) return [...lines];
  return [...lines.slice(0, head), `… ${lines.length - head - tail} more …`, ...lines.slice(-tail)];
}
