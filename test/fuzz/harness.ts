/**
 * The fuzz engine: runs a target's generated cases for a bounded time (and
 * at most a bounded number of cases), checks the invariants every target
 * shares, and reports a failure with everything needed to reproduce it.
 *
 * Shared invariants, on every case:
 * - no exception escapes: neither from the call under test nor as an
 *   uncaught exception or unhandled rejection anywhere in the process;
 * - no hang: each case finishes within the target's case deadline;
 * - memory stays bounded: peak RSS under the target's stated bound, and the
 *   heap after a full GC grows by less than the stated bound over the run.
 * Each target adds its own (see ./targets.ts): the differential oracle, the
 * close code on the wire, the event sequence the application sees.
 *
 * Reproducibility: case i of a run with seed S is generated from
 * `mixSeed(S, i)` alone, so a failure prints that case seed; `--replay` runs
 * exactly that input again (the byte stream is the same; only how the kernel
 * splits it into reads can differ, which no invariant depends on).
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mixSeed } from '../support/traffic.js';

export interface FuzzCase {
  /** The seed this case was generated from (reproduces it). */
  readonly seed: number;
  /** The input bytes (what is fed to the parser or written to the socket). */
  readonly bytes: Buffer;
  /** Anything else the check needs, derived from the seed too. */
  readonly meta: Readonly<Record<string, unknown>>;
}

/** Generation options a run passes to every case. */
export interface GenerateOptions {
  /** Generate permessage-deflate messages ended with a BFINAL block (RFC 7692 §7.2.3.4). */
  readonly bfinal: boolean;
  /**
   * Live targets: let the peer send its FIN right after its last bytes (as a
   * peer that vanishes may), racing the endpoint's processing. When false the
   * peer is polite: it sends FIN only once the endpoint has answered or
   * consumed everything it was sent.
   */
  readonly finRace: boolean;
  /**
   * Live deflate targets: do not check a case whose compressed traffic ended
   * a DEFLATE stream early (a BFINAL block, which mutations also produce);
   * it is counted as skipped. For long runs while that known bug is open.
   */
  readonly skipBfinalCases: boolean;
}

export interface FuzzTarget {
  readonly name: string;
  readonly description: string;
  /** Bounds checked over the run. */
  readonly memory: { readonly rssMiB: number; readonly heapGrowthMiB: number };
  /** A case that has not finished after this long is a hang. */
  readonly caseTimeoutMs: number;
  start?(): Promise<void>;
  stop?(): Promise<void>;
  generate(seed: number, options: GenerateOptions): FuzzCase;
  /** Run one case; throw (an AssertionError) when an invariant breaks. Returns a label of the outcome, for statistics. */
  check(input: FuzzCase): Promise<string> | string;
}

export interface FuzzOptions {
  /** Run seed; case i uses mixSeed(seed, i). */
  readonly seed: number;
  /** Time budget for the target. */
  readonly seconds: number;
  /** Stop after this many cases even with time left. */
  readonly maxCases?: number;
  /** Only run this case seed (a replay). */
  readonly replay?: number;
  readonly generate?: Partial<GenerateOptions>;
  /** Progress lines (the CLI prints them). */
  readonly log?: (line: string) => void;
}

export interface FuzzFailure {
  readonly target: string;
  readonly caseIndex: number;
  readonly caseSeed: number;
  readonly message: string;
  /** The first bytes of the input, in hex. */
  readonly inputHex: string;
  /** Where the whole input was written. */
  readonly inputFile: string;
  /** The command that replays this case. */
  readonly replay: string;
}

export interface FuzzReport {
  readonly target: string;
  readonly seed: number;
  readonly cases: number;
  readonly durationMs: number;
  readonly inputBytes: number;
  readonly peakRssMiB: number;
  readonly heapGrowthMiB: number;
  /** How the cases ended (target-specific labels), with counts. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly failure: FuzzFailure | null;
}

const MiB = 1024 * 1024;

function heapAfterGc(): number {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

/** Run `target` under `options`; never throws for an invariant violation (it is in the report). */
export async function runTarget(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {});
  const generateOptions: GenerateOptions = {
    bfinal: options.generate?.bfinal ?? true,
    finRace: options.generate?.finRace ?? true,
    skipBfinalCases: options.generate?.skipBfinalCases ?? false,
  };
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  const started = Date.now();
  const deadline = started + options.seconds * 1000;
  const maxCases = options.replay !== undefined ? 1 : options.maxCases ?? Number.POSITIVE_INFINITY;
  const outcomes: Record<string, number> = {};
  let cases = 0;
  let inputBytes = 0;
  let peakRss = process.memoryUsage.rss();
  let failure: FuzzFailure | null = null;
  const heapBefore = heapAfterGc();
  let current: FuzzCase | null = null;
  let nextLog = started + 5000;

  const fail = (index: number, input: FuzzCase, message: string): FuzzFailure => {
    const inputFile = join(tmpdir(), `rfc6455-fuzz-${target.name}-${input.seed}.bin`);
    try {
      writeFileSync(inputFile, input.bytes);
    } catch {
      // Reporting must not fail because /tmp is read-only.
    }
    const flags = `${generateOptions.bfinal ? '' : ' --no-bfinal'}${generateOptions.finRace ? '' : ' --no-fin-race'}${generateOptions.skipBfinalCases ? ' --skip-bfinal-cases' : ''}`;
    return {
      target: target.name,
      caseIndex: index,
      caseSeed: input.seed,
      message,
      inputHex: input.bytes.subarray(0, 512).toString('hex') + (input.bytes.length > 512 ? `… (${input.bytes.length} bytes)` : ''),
      inputFile,
      replay: `npm run fuzz -- --target ${target.name} --replay ${input.seed}${flags}`,
    };
  };

  try {
    await target.start?.();
    for (let index = 0; cases < maxCases && (options.replay !== undefined || Date.now() < deadline); index++) {
      const caseSeed = options.replay ?? mixSeed(options.seed, index);
      const input = target.generate(caseSeed, generateOptions);
      current = input;
      cases++;
      inputBytes += input.bytes.length;
      let timer: NodeJS.Timeout | undefined;
      try {
        const label = await Promise.race([
          Promise.resolve().then(() => target.check(input)),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`case did not finish within ${target.caseTimeoutMs} ms (hang)`)), target.caseTimeoutMs);
          }),
        ]);
        outcomes[label] = (outcomes[label] ?? 0) + 1;
      } catch (error) {
        failure = fail(index, input, error instanceof Error ? (error.stack ?? error.message) : String(error));
        break;
      } finally {
        clearTimeout(timer);
      }
      if (uncaught.length > 0) {
        failure = fail(index, input, `uncaught exception: ${describe(uncaught[0])}`);
        break;
      }
      const rss = process.memoryUsage.rss();
      if (rss > peakRss) peakRss = rss;
      if (rss > target.memory.rssMiB * MiB) {
        failure = fail(index, input, `RSS ${(rss / MiB).toFixed(0)} MiB over the bound of ${target.memory.rssMiB} MiB`);
        break;
      }
      if (Date.now() >= nextLog) {
        nextLog += 5000;
        log(`${target.name}: ${cases} cases, ${((Date.now() - started) / 1000).toFixed(1)} s, RSS ${(peakRss / MiB).toFixed(0)} MiB`);
      }
    }
  } catch (error) {
    // start() or generate() failed: a harness problem, reported as a failure of the run.
    failure ??= fail(cases, current ?? { seed: 0, bytes: Buffer.alloc(0), meta: {} }, `harness error: ${describe(error)}`);
  } finally {
    await target.stop?.();
    // Late errors (a socket failing after its case) still count.
    await new Promise((resolve) => setTimeout(resolve, 20));
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
  if (failure === null && uncaught.length > 0 && current !== null) failure = fail(cases - 1, current, `uncaught exception: ${describe(uncaught[0])}`);
  const heapGrowth = (heapAfterGc() - heapBefore) / MiB;
  if (failure === null && heapGrowth > target.memory.heapGrowthMiB && current !== null) {
    failure = fail(cases - 1, current, `heap grew by ${heapGrowth.toFixed(1)} MiB over the run (bound ${target.memory.heapGrowthMiB} MiB)`);
  }
  return {
    target: target.name,
    seed: options.seed,
    cases,
    durationMs: Date.now() - started,
    inputBytes,
    peakRssMiB: Math.round(peakRss / MiB),
    heapGrowthMiB: Math.round(heapGrowth * 10) / 10,
    outcomes,
    failure,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** A report as text lines (the CLI and failing tests print it). */
export function formatReport(report: FuzzReport): string {
  const lines = [
    `${report.target}: ${report.cases} cases in ${(report.durationMs / 1000).toFixed(1)} s ` +
      `(${(report.inputBytes / MiB).toFixed(1)} MiB of input), peak RSS ${report.peakRssMiB} MiB, heap growth ${report.heapGrowthMiB} MiB, seed ${report.seed}`,
    `  outcomes: ${Object.entries(report.outcomes).sort((a, b) => b[1] - a[1]).map(([label, count]) => `${label} ×${count}`).join(', ')}`,
  ];
  if (report.failure !== null) {
    const f = report.failure;
    lines.push(
      `  FAILED at case ${f.caseIndex} (case seed ${f.caseSeed}): ${f.message}`,
      `  input (${f.inputFile}): ${f.inputHex}`,
      `  reproduce: ${f.replay}`,
    );
  }
  return lines.join('\n');
}
