/**
 * The rules a peer's frames must follow, as pure checks: the session applies
 * them to every frame it receives and fails the connection, naming the rule,
 * on the first one broken. (Fragmentation order, §5.4, depends on the message
 * in progress and is checked by the session itself.)
 */
import { isUtf8 } from 'node:buffer';
import { isValidReceivedCloseCode } from '../../frame/close-code.js';
import { isControlOpcode, isKnownOpcode } from '../../frame/opcode.js';
import type { RawFrame } from './frame-reader.js';

/** A rule broken by the peer. */
export interface Violation {
  readonly rule: string;
  readonly detail: string;
}

/**
 * Rules that one frame must follow on its own. `testerRole` is the tester's:
 * a server (the tester) receives masked frames only, a client unmasked only.
 * With permessage-deflate in use, RSV1 is allowed on the first frame of a
 * data message (RFC 7692 §6).
 */
export function frameViolation(frame: RawFrame, testerRole: 'client' | 'server', options: { perMessageDeflate?: boolean } = {}): Violation | null {
  if (options.perMessageDeflate === true && frame.rsv === 4) {
    // RFC 7692 §6: RSV1 ("Per-Message Compressed") marks the first frame of a compressed data message, nothing else.
    if (isControlOpcode(frame.opcode)) return { rule: 'RFC 7692 §6.1', detail: `RSV1 set on a control frame (opcode ${frame.opcode})` };
    if (frame.opcode === 0) return { rule: 'RFC 7692 §6.1', detail: 'RSV1 set on a continuation frame (only the first frame of a message may have it)' };
  } else if (frame.rsv !== 0) {
    return {
      rule: 'RFC 6455 §5.2',
      detail: `RSV bits ${frame.rsv.toString(2).padStart(3, '0')} set, but ${options.perMessageDeflate === true ? 'only RSV1 has a meaning (permessage-deflate)' : 'no extension was negotiated'}`,
    };
  }
  if (!isKnownOpcode(frame.opcode)) return { rule: 'RFC 6455 §5.2', detail: `reserved opcode ${frame.opcode}` };
  // RFC 6455 §5.1: a client masks every frame, a server none.
  if (frame.masked !== (testerRole === 'server')) {
    return { rule: 'RFC 6455 §5.1', detail: testerRole === 'server' ? 'the client sent an unmasked frame' : 'the server sent a masked frame' };
  }
  if (frame.nonMinimalLength) return { rule: 'RFC 6455 §5.2', detail: 'the payload length was not encoded in the minimal number of bytes' };
  if (isControlOpcode(frame.opcode)) {
    if (!frame.fin) return { rule: 'RFC 6455 §5.5', detail: 'fragmented control frame' };
    if (frame.payload.length > 125) return { rule: 'RFC 6455 §5.5', detail: `control frame with a ${frame.payload.length}-byte payload` };
  }
  return null;
}

/** A close frame's payload, read leniently. */
export interface ClosePayload {
  /** null: no code (empty payload). */
  readonly code: number | null;
  /** The reason as text, or as hex when it is not UTF-8. */
  readonly reason: string;
}

/** Read a close payload (RFC 6455 §5.5.1: a 2-byte code, then a UTF-8 reason). */
export function readClosePayload(payload: Buffer): ClosePayload {
  const code = payload.length >= 2 ? payload.readUInt16BE(0) : null;
  const reason = payload.subarray(2);
  return { code, reason: isUtf8(reason) ? reason.toString('utf8') : `0x${reason.toString('hex')}` };
}

/**
 * Rules of a close frame's payload. A code the case itself accepts is not held
 * against the peer (7.13.x accepts an echo of the out-of-range code it sent).
 */
export function closePayloadViolation(payload: Buffer, acceptedCodes: readonly number[]): Violation | null {
  if (payload.length === 1) return { rule: 'RFC 6455 §5.5.1', detail: 'close frame with a 1-byte payload' };
  const { code } = readClosePayload(payload);
  if (code !== null && !isValidReceivedCloseCode(code) && !acceptedCodes.includes(code)) {
    return { rule: 'RFC 6455 §7.4', detail: `close frame with the invalid code ${code}` };
  }
  if (!isUtf8(payload.subarray(2))) return { rule: 'RFC 6455 §5.5.1', detail: 'close reason that is not valid UTF-8' };
  return null;
}
