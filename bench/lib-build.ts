/**
 * Builds rfc6455 for the benchmarks (see lib.ts for why a tsc build, not
 * tsx): `tsc -p tsconfig.build.json` into `$TMPDIR/rfc6455-bench-<hash>`,
 * where the hash covers src/**\/*.ts and both tsconfigs, so a build is reused
 * until the sources change. The directory is passed to child processes in
 * BENCH_LIB_DIR: `npm run bench` builds once before the first part, so every
 * part of one run measures the same build even while src/ is being edited.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** A hash of everything the build depends on. */
function sourceHash(): string {
  const hash = createHash('sha1');
  const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).sort();
  for (const file of files) hash.update(file).update('\0').update(readFileSync(join(root, 'src', file))).update('\0');
  for (const config of ['tsconfig.json', 'tsconfig.build.json']) hash.update(readFileSync(join(root, config)));
  return hash.digest('hex').slice(0, 16);
}

/** Compile src/ with tsc into a cached directory (bounded: 2 minutes); returns it. */
function build(): string {
  const dir = join(tmpdir(), `rfc6455-bench-${sourceHash()}`);
  if (existsSync(join(dir, 'index.js'))) return dir;
  const staging = `${dir}.tmp-${process.pid}`;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  process.stderr.write(`bench: compiling src/ with tsc into ${dir}\n`);
  const result = spawnSync(process.execPath, [
    tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', staging,
    '--declaration', 'false', '--declarationMap', 'false', '--sourceMap', 'false', '--incremental', 'false',
  ], { encoding: 'utf8', timeout: 120_000 });
  if (!existsSync(join(staging, 'index.js'))) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`bench: tsc did not build src/ (status ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  if (result.status !== 0) process.stderr.write(`bench: warning: tsc reported errors; measuring what it emitted anyway\n${result.stdout}`);
  writeFileSync(join(staging, 'package.json'), '{ "type": "module" }\n');
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another process built it first
  }
  return dir;
}

/** The build to measure: BENCH_LIB_DIR when a parent set it, else a (cached) fresh build, which children then inherit. */
export function libDirectory(): string {
  const dir = process.env['BENCH_LIB_DIR'] ?? build();
  process.env['BENCH_LIB_DIR'] = dir;
  return dir;
}
