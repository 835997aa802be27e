/**
 * Runs benchmark parts one after another, each in its own Node process
 * (`--expose-gc --import tsx bench/<part>.ts --json`): a fresh heap and JIT
 * per part, so one part's garbage and compiled code do not bias the next.
 * Each part's JSON report is read back and printed as markdown tables (or
 * collected into one JSON document with `--json`), followed by a summary of
 * every target; `--out FILE` also saves that JSON document. Each part has a
 * time cap and is killed past it.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { libDirectory } from './lib-build.js';
import { machineLine, type PartReport, printReport, table } from './report.js';

/** The parts, in run order; `X:deflate` is part X with `--deflate` (the compressed rows of issue 5). */
export const PARTS = ['mask', 'parse', 'serialize', 'echo', 'echo:deflate', 'conns', 'conns:deflate', 'events'] as const;

/** Per-part time caps, minutes (a full run of each takes well under half of this here). */
const CAP_MINUTES: Record<string, number> = { mask: 10, parse: 20, serialize: 10, echo: 20, 'echo:deflate': 10, conns: 20, 'conns:deflate': 10, events: 10 };

function runPart(part: string, forward: readonly string[]): Promise<PartReport> {
  const [name, variant] = part.split(':') as [string, string | undefined];
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const extra = variant === 'deflate' ? ['--deflate'] : [];
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, ...forward, ...extra, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  const timer = setTimeout(() => {
    process.stderr.write(`bench: ${part} exceeded ${CAP_MINUTES[part] ?? 20} minutes; killed\n`);
    kill();
  }, (CAP_MINUTES[part] ?? 20) * 60_000);
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', kill);
      if (code !== 0) return reject(new Error(`bench: ${part} failed (${code ?? signal})`));
      try {
        resolve(JSON.parse(out) as PartReport);
      } catch {
        reject(new Error(`bench: ${part} printed no JSON report`));
      }
    });
  });
}

/** Run `parts` in order; print markdown per part (or one JSON document) and a target summary. Returns the exit code. */
export async function runSuite(parts: readonly string[], forward: readonly string[], asJson: boolean, outFile?: string): Promise<number> {
  const started = Date.now();
  if (process.env['BENCH_LIB'] !== 'src') libDirectory(); // one build for every part of this run
  const reports: PartReport[] = [];
  const failures: string[] = [];
  for (const part of parts) {
    const partStart = Date.now();
    process.stderr.write(`bench: ${part}\n`);
    try {
      const report = await runPart(part, forward);
      reports.push(report);
      if (!asJson) printReport(report, false);
    } catch (error) {
      failures.push((error as Error).message);
      process.stderr.write(`${(error as Error).message}\n`);
    }
    process.stderr.write(`bench: ${part} took ${((Date.now() - partStart) / 1000).toFixed(0)} s\n`);
  }
  const targets = reports.flatMap((r) => r.targets.map((t) => ({ part: r.part, ...t })));
  const document = JSON.stringify({ machine: machineLine(), parts: reports, targets, failures, seconds: (Date.now() - started) / 1000 }, null, 2);
  if (outFile !== undefined) writeFileSync(outFile, `${document}\n`);
  if (asJson) {
    console.log(document);
  } else if (targets.length > 0) {
    console.log(`\n## targets\n\n${targets.filter((t) => t.met).length} of ${targets.length} met\n`);
    console.log(table(['part', 'case', 'metric', 'ratio', 'target', 'verdict'], targets.map((t) => [
      t.part, t.case, t.metric, Number.isFinite(t.ratio) ? `${t.ratio.toFixed(2)}x` : 'n/a', t.target, t.met ? 'met' : 'NOT met',
    ])));
  }
  process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return failures.length === 0 ? 0 : 1;
}
