/**
 * The wire log of one case: what the tester sent and received, frame by frame
 * and read by read, what it waited for and when the connection ended, each
 * with a timestamp in milliseconds since the case started. Bounded: past
 * {@link MAX_WIRE_LOG_ENTRIES} lines it only counts what it leaves out.
 */
import { performance } from 'node:perf_hooks';
import { preview } from './bytes.js';
import type { WireLogEntry, WireStats } from './types.js';

/** Most lines kept per case. */
export const MAX_WIRE_LOG_ENTRIES = 2000;

/** Most octets shown per read or write. */
const OCTET_PREVIEW = 64;

const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong',
};

/** `1 (text)`, `3 (reserved)`. */
export function opcodeName(opcode: number): string {
  return `${opcode} (${OPCODE_NAMES[opcode] ?? 'reserved'})`;
}

/** Hex of the first bytes of `data`, with the total length. */
export function octets(data: Buffer): string {
  const head = data.subarray(0, OCTET_PREVIEW).toString('hex');
  return data.length > OCTET_PREVIEW ? `${head} … (${data.length} octets)` : head;
}

/** Collects the log lines and traffic counters of one case. */
export class WireLog {
  readonly entries: WireLogEntry[] = [];
  readonly stats: WireStats = { txOctets: 0, rxOctets: 0, txWrites: 0, rxReads: 0, txFrames: {}, rxFrames: {} };
  private omitted = 0;
  private readonly start = performance.now();

  /** Milliseconds since the case started, to the microsecond. */
  now(): number {
    return Math.round((performance.now() - this.start) * 1000) / 1000;
  }

  /** Add a line. */
  add(kind: WireLogEntry['kind'], text: string): void {
    if (this.entries.length < MAX_WIRE_LOG_ENTRIES) {
      this.entries.push({ t: this.now(), kind, text });
    } else {
      this.omitted++;
    }
  }

  /** Count a frame sent or received. */
  countFrame(direction: 'tx' | 'rx', opcode: number): void {
    const table = direction === 'tx' ? this.stats.txFrames : this.stats.rxFrames;
    table[opcode] = (table[opcode] ?? 0) + 1;
  }

  /** A frame, rendered: opcode, FIN, RSV, mask, length and a payload preview. */
  frameText(fields: { opcode: number; fin: boolean; rsv: number; masked: boolean; length: number }, payload: Buffer | null): string {
    const parts = [
      `opcode=${opcodeName(fields.opcode)}`, `fin=${fields.fin ? 1 : 0}`, `rsv=${fields.rsv}`,
      `masked=${fields.masked ? 1 : 0}`, `length=${fields.length}`,
    ];
    if (payload !== null) {
      if (fields.opcode === 8 && payload.length >= 2) {
        parts.push(`code=${payload.readUInt16BE(0)}`);
        if (payload.length > 2) parts.push(`reason=${preview(payload.subarray(2))}`);
      } else {
        parts.push(`payload=${preview(payload)}`);
      }
    }
    return parts.join(' ');
  }

  /** One line of traffic totals (for cases that do not log every frame). */
  summary(): string {
    const s = this.stats;
    const frames = (table: Record<string, number>): string =>
      Object.entries(table).map(([opcode, n]) => `${n}×${opcode}`).join(', ') || 'none';
    return `sent ${s.txOctets} octets in ${s.txWrites} writes (frames by opcode: ${frames(s.txFrames)}); ` +
      `received ${s.rxOctets} octets in ${s.rxReads} reads (frames by opcode: ${frames(s.rxFrames)})`;
  }

  /** The entries, with a closing line for anything left out. */
  finish(): WireLogEntry[] {
    if (this.omitted > 0) {
      this.entries.push({ t: this.now(), kind: 'note', text: `wire log truncated: ${this.omitted} more lines not kept` });
      this.omitted = 0;
    }
    return this.entries;
  }
}
