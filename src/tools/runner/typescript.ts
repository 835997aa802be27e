/**
 * Loading TypeScript: scripts (and `--serve` modules) may be `.ts`. The
 * runner has no TypeScript compiler of its own (no dependencies); it uses tsx
 * when it can find it — next to the runner (this repository, where it is a
 * devDependency), next to the script, or in the working directory.
 *
 * Worker threads do not inherit the `--import tsx` of the main thread on
 * Node 20, so each VU registers tsx itself (`tsx/esm/api`'s `register()`)
 * before loading anything TypeScript.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** True for the file extensions tsx compiles. */
export function isTypeScript(path: string): boolean {
  return /\.[cm]?tsx?$/.test(path);
}

/** True when the runner itself runs from TypeScript sources (so tsx is active in this thread). */
export const RUNNER_IS_TYPESCRIPT = import.meta.url.endsWith('.ts');

/** The runner's own module extension. */
export const RUNNER_EXT: '.ts' | '.js' = RUNNER_IS_TYPESCRIPT ? '.ts' : '.js';

/**
 * The URL of tsx's ESM API module (`tsx/esm/api`), or null when tsx cannot
 * be found from the runner, from `nearPath`'s folder or from the working directory.
 */
export function findTsxApi(nearPath: string): string | null {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    // Not resolvable from the runner: look next to the script, then in cwd.
  }
  for (const base of [nearPath, join(process.cwd(), 'index.js')]) {
    let manifestPath: string;
    try {
      manifestPath = createRequire(base).resolve('tsx/package.json');
    } catch {
      continue;
    }
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: Record<string, unknown> };
    const entry = manifest.exports?.['./esm/api'] as { import?: string | { default?: string } } | undefined;
    const target = typeof entry?.import === 'string' ? entry.import : entry?.import?.default;
    if (target === undefined) continue;
    const file = join(dirname(manifestPath), target);
    if (existsSync(file)) return pathToFileURL(file).href;
  }
  return null;
}

/** Thrown when a TypeScript file must be loaded and tsx is nowhere to be found. */
export class TypeScriptUnavailableError extends Error {
  constructor(path: string) {
    super(`${path} is TypeScript: install tsx next to it (npm install --save-dev tsx) or use a .js/.mjs file`);
    this.name = 'TypeScriptUnavailableError';
  }
}

/**
 * Import a module in this thread, through tsx when it is TypeScript and tsx
 * is not already active (tsx's `tsImport`, which does not register globally).
 */
export async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  if (!isTypeScript(path) || RUNNER_IS_TYPESCRIPT) return await import(url) as Record<string, unknown>;
  const api = findTsxApi(path);
  if (api === null) throw new TypeScriptUnavailableError(path);
  const { tsImport } = await import(api) as { tsImport: (specifier: string, parent: string) => Promise<Record<string, unknown>> };
  return tsImport(url, import.meta.url);
}
