/**
 * Durations as k6 writes them: `30s`, `1m30s`, `500ms`, `1h`, `1.5s`; a bare
 * number means seconds. Parsed without regular expressions (the text comes
 * from the command line, but one small scanner is clearer anyway).
 */

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds in a k6 duration string.
 * @throws {RangeError} for anything else (empty, unknown unit, negative).
 */
export function parseDuration(text: string): number {
  const input = text.trim();
  if (input === '') throw new RangeError('empty duration');
  const bare = Number(input);
  if (Number.isFinite(bare)) {
    if (bare < 0) throw new RangeError(`negative duration "${text}"`);
    return bare * 1000;
  }
  let total = 0;
  let i = 0;
  while (i < input.length) {
    const numberStart = i;
    while (i < input.length && ((input[i]! >= '0' && input[i]! <= '9') || input[i] === '.')) i++;
    const unitStart = i;
    while (i < input.length && input[i]! >= 'a' && input[i]! <= 'z') i++;
    const value = Number(input.slice(numberStart, unitStart));
    const scale = UNITS[input.slice(unitStart, i)];
    if (unitStart === numberStart || !Number.isFinite(value) || scale === undefined) {
      throw new RangeError(`invalid duration "${text}" (use e.g. 500ms, 10s, 1m30s, 1h)`);
    }
    total += value * scale;
  }
  return total;
}

/** `83.4s` → `1m23.4s` for headers and progress (one decimal of seconds). */
export function formatElapsed(ms: number): string {
  const tenths = Math.max(0, Math.floor(ms / 100));
  const minutes = Math.floor(tenths / 600);
  const seconds = ((tenths % 600) / 10).toFixed(1).padStart(4, '0');
  return `${minutes}m${seconds}s`;
}

/** A duration as given to the runner, for headers: `10s`, `1m30s`, `500ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${round(ms)}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = round((ms % 60_000) / 1000);
  return `${hours > 0 ? `${hours}h` : ''}${minutes > 0 ? `${minutes}m` : ''}${seconds > 0 || (hours === 0 && minutes === 0) ? `${seconds}s` : ''}`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
