/**
 * Frame opcodes (RFC 6455 §5.2, §11.8).
 *
 * A plain object of constants rather than a TypeScript `enum`, so the values
 * are ordinary numbers at run time and the type is the union of the values.
 */
export const Opcode = {
  /** A continuation frame of a fragmented message (RFC 6455 §5.4). */
  Continuation: 0x0,
  /** The first (or only) frame of a text message (RFC 6455 §5.6). */
  Text: 0x1,
  /** The first (or only) frame of a binary message (RFC 6455 §5.6). */
  Binary: 0x2,
  /** Close control frame (RFC 6455 §5.5.1). */
  Close: 0x8,
  /** Ping control frame (RFC 6455 §5.5.2). */
  Ping: 0x9,
  /** Pong control frame (RFC 6455 §5.5.3). */
  Pong: 0xa,
} as const;

/** One of the opcodes RFC 6455 defines. */
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** The opcodes that may start a data message. */
export type DataOpcode = typeof Opcode.Text | typeof Opcode.Binary;

/** The control opcodes (RFC 6455 §5.5: the most significant opcode bit is set). */
export type ControlOpcode = typeof Opcode.Close | typeof Opcode.Ping | typeof Opcode.Pong;

/**
 * Whether `opcode` is a control opcode. RFC 6455 §5.5: "Control frames are
 * identified by opcodes where the most significant bit of the opcode is 1."
 * This holds for reserved control opcodes (0xB–0xF) too.
 */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/**
 * Whether `opcode` is one RFC 6455 defines. 0x3–0x7 are reserved for further
 * non-control frames and 0xB–0xF for further control frames (RFC 6455 §5.2);
 * no extension this library implements defines them.
 */
export function isKnownOpcode(opcode: number): opcode is Opcode {
  return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa);
}
