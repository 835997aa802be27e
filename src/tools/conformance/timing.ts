/**
 * Time limits of a case: the closing-handshake timeouts (Autobahn's defaults,
 * 1 s each) and the hard budget that bounds a whole case whatever the peer does.
 */
import type { CaseSpec } from './types.js';

/** Timeouts of the closing handshake, in ms. */
export interface SessionTiming {
  /** How long the peer gets to answer the tester's close frame. Default 1000. */
  readonly closeHandshakeTimeout: number;
  /** As client: how long the server gets to close TCP after the closing handshake. Default 1000. */
  readonly serverDropTimeout: number;
  /** After the tester closed its side of TCP: how long the peer gets to close its side. Default 1000. */
  readonly endGrace: number;
}

/** Autobahn's defaults (1 s each). */
export const DEFAULT_TIMING: SessionTiming = { closeHandshakeTimeout: 1000, serverDropTimeout: 1000, endGrace: 1000 };

/** The hard limit for a whole case: its own waits and deadlines plus the closing timeouts and a margin. */
export function caseBudget(spec: CaseSpec, timing: SessionTiming): number {
  let waits = 0;
  let deadline = 0;
  for (const step of spec.steps) {
    if (step.op === 'wait') waits += step.ms;
    if (step.op === 'kill-after' || step.op === 'close-after') deadline = Math.max(deadline, step.ms);
  }
  return waits + deadline + timing.closeHandshakeTimeout + timing.serverDropTimeout + timing.endGrace + 5000;
}
