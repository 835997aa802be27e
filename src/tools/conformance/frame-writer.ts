/**
 * Builds the exact bytes the tester sends, valid or not: any opcode, any RSV
 * bits, control frames over 125 bytes, fragmented control frames, close
 * payloads with invalid codes. Headers come from the library's serializer
 * (`writeFrameHeader`, minimal length encoding, RFC 6455 §5.2); RSV2 and RSV3,
 * which it has no parameter for, are ORed in here.
 *
 * A client masks every frame with a fresh key (RFC 6455 §5.3); a server never
 * masks (§5.1).
 */
import { maskCopy } from '../../frame/mask.js';
import { frameHeaderSize, randomMaskKey, writeFrameHeader } from '../../frame/serializer.js';

/** Header fields of a frame to build. */
export interface FrameFields {
  readonly opcode: number;
  readonly fin: boolean;
  /** RSV1–RSV3 as a 3-bit number (RSV1 = 4). */
  readonly rsv: number;
  /** Mask with a fresh random key (the tester is a client). */
  readonly mask: boolean;
}

/** A frame header, and the key that the payload must be masked with (null: unmasked). */
export interface BuiltHeader {
  readonly header: Buffer;
  readonly maskKey: number | null;
}

/** The header of a frame with `length` payload bytes. */
export function buildHeader(fields: FrameFields, length: number): BuiltHeader {
  const maskKey = fields.mask ? randomMaskKey() : null;
  const header = Buffer.allocUnsafe(frameHeaderSize(length, maskKey !== null));
  writeFrameHeader(header, 0, fields.fin, false, fields.opcode & 0x0f, length, maskKey);
  header[0] = header[0]! | ((fields.rsv & 7) << 4);
  return { header, maskKey };
}

/** One whole frame, header and (masked) payload in one buffer. */
export function buildFrame(fields: FrameFields, payload: Buffer): Buffer {
  const { header, maskKey } = buildHeader(fields, payload.length);
  const frame = Buffer.allocUnsafe(header.length + payload.length);
  header.copy(frame, 0);
  if (maskKey === null) payload.copy(frame, header.length);
  else maskCopy(payload, 0, payload.length, frame, header.length, maskKey);
  return frame;
}

/**
 * `payload` masked for bytes `offset…` of a frame's payload, so a frame can be
 * sent in pieces (the key's phase continues where the previous piece ended).
 */
export function maskPiece(payload: Buffer, maskKey: number | null, offset: number): Buffer {
  if (maskKey === null) return payload;
  const out = Buffer.allocUnsafe(payload.length);
  maskCopy(payload, 0, payload.length, out, 0, maskKey, offset & 3);
  return out;
}

/** The payload of a close frame: a 2-byte code (any value, for invalid-code cases) then the reason bytes. */
export function closePayload(code: number | undefined, reason: Buffer | undefined): Buffer {
  if (code === undefined) return reason ?? Buffer.alloc(0);
  const payload = Buffer.allocUnsafe(2 + (reason?.length ?? 0));
  payload.writeUInt16BE(code & 0xffff, 0);
  reason?.copy(payload, 2);
  return payload;
}
