/**
 * src/frame — the pure RFC 6455 frame layer: parser, serializer, masking,
 * UTF-8 validation, opcodes and close codes. No I/O, no timers.
 */
export { Opcode, isControlOpcode, isKnownOpcode } from './opcode.js';
export type { ControlOpcode, DataOpcode } from './opcode.js';
export { CloseCode, isValidReceivedCloseCode, isValidSentCloseCode } from './close-code.js';
export { ProtocolError } from './errors.js';
export type { ProtocolErrorCode } from './errors.js';
export { maskCopy, maskInPlace, rotateMaskKey } from './mask.js';
export { isValidUtf8, Utf8Validator } from './utf8.js';
export { DEFAULT_MAX_PAYLOAD, FrameParser } from './parser.js';
export type { FrameHandler, FrameParserOptions } from './parser.js';
export {
  encodeClosePayload,
  encodeFrame,
  encodeMessage,
  frameHeaderSize,
  MAX_CLOSE_REASON_BYTES,
  MERGE_THRESHOLD,
  randomMaskKey,
  writeFrameHeader,
} from './serializer.js';
export type { EncodeFrameOptions, EncodeMessageOptions } from './serializer.js';
