/**
 * What the runner prints while a test runs: k6-style log lines
 * (`INFO[0003] text  source=console`) and the progress display, a single
 * line redrawn in place on a terminal, or plain periodic lines otherwise
 * (logs, CI). Log lines are printed above the live line, which is redrawn
 * after them.
 */
import type { LogLevel } from './protocol.js';

/** Where the runner writes (stdout in the CLI; a string in tests). */
export interface RunOutput {
  write(text: string): void;
  /** True for an interactive terminal: enables the live progress line. */
  readonly isTTY: boolean;
  /** Terminal width, to keep the live line on one row. */
  readonly columns?: number;
}

/** How progress is shown while running: live line (tty), periodic lines (plain), none (off), or chosen from the output (auto). */
export type ProgressMode = 'auto' | 'tty' | 'plain' | 'off';

const LEVEL_LABEL: Readonly<Record<LogLevel, string>> = { debug: 'DEBU', info: 'INFO', warn: 'WARN', error: 'ERRO' };

/** One k6/logrus-style log line: level, seconds since the test started, message padded to 44, fields. */
export function formatLogLine(level: LogLevel, elapsedMs: number, text: string, fields: string): string {
  const seconds = String(Math.max(0, Math.floor(elapsedMs / 1000))).padStart(4, '0');
  return `${LEVEL_LABEL[level]}[${seconds}] ${text.padEnd(44)} ${fields}`;
}

export class ConsoleOutput {
  readonly #output: RunOutput;
  readonly #mode: 'tty' | 'plain' | 'off';
  readonly #intervalMs: number;
  readonly #render: () => string;
  #timer: NodeJS.Timeout | null = null;
  #liveLine = false;

  /**
   * `render` produces the progress text; it is called every `intervalMs`
   * (plain lines) or every 200 ms (live line).
   */
  constructor(output: RunOutput, mode: ProgressMode, intervalMs: number, render: () => string) {
    this.#output = output;
    this.#mode = mode === 'auto' ? (output.isTTY ? 'tty' : 'plain') : mode;
    this.#intervalMs = intervalMs;
    this.#render = render;
  }

  /** Start showing progress. */
  start(): void {
    if (this.#mode === 'off' || this.#timer !== null) return;
    if (this.#mode === 'tty') {
      this.#draw();
      this.#timer = setInterval(() => this.#draw(), 200);
    } else {
      this.#timer = setInterval(() => this.#output.write(`${this.#render()}\n`), this.#intervalMs);
    }
  }

  /** Print a line (a log line, a message), keeping the live line below it. */
  line(text: string): void {
    this.#output.write(`${this.#liveLine ? '\r\x1b[2K' : ''}${text}\n`);
    this.#liveLine = false;
    if (this.#mode === 'tty' && this.#timer !== null) this.#draw();
  }

  /** Stop the progress display, leaving the final state as a line (also with progress off: it is the run's result). */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#output.write(`${this.#liveLine ? '\r\x1b[2K' : ''}${this.#render()}\n`);
    this.#liveLine = false;
  }

  #draw(): void {
    let text = this.#render();
    const columns = this.#output.columns;
    if (columns !== undefined && columns > 1 && text.length >= columns) text = text.slice(0, columns - 1);
    this.#output.write(`${this.#liveLine ? '\r\x1b[2K' : ''}${text}`);
    this.#liveLine = true;
  }
}
