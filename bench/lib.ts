/**
 * rfc6455 as its users run it: compiled by tsc with the project's
 * tsconfig.build.json (what `npm run build` ships), not transpiled on the fly
 * by tsx. This matters: tsx compiles with esbuild's `keepNames`, which wraps
 * every named function and arrow function in `__name(fn, "name")`, an
 * Object.defineProperty call that costs time at every closure creation and
 * gives each such closure its own 256-byte property array — measured here as
 * ~4.6 KiB of heap per idle server connection (18 closures) and CPU on any
 * path that creates closures. ws is plain JavaScript and pays nothing of the
 * kind, so measuring rfc6455 through tsx would be unfair to it.
 *
 * The build (lib-build.ts) goes to `$TMPDIR/rfc6455-bench-<hash of src/ and
 * the tsconfigs>` and is reused while the sources are unchanged (a rebuild
 * takes ~5 s; a build with type errors is still used when tsc emitted it,
 * with a warning). Children inherit it through BENCH_LIB_DIR.
 * `BENCH_LIB=src` measures the TypeScript sources through tsx instead
 * (no build step while editing, but see above).
 *
 * Only bench code imports this; types come from src/ (type-only imports).
 */
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Api from '../src/index.js';
import type * as Mask from '../src/frame/mask.js';
import type * as Opcodes from '../src/frame/opcode.js';
import type * as Parser from '../src/frame/parser.js';
import type * as Serializer from '../src/frame/serializer.js';
import { libDirectory } from './lib-build.js';

const fromSource = process.env['BENCH_LIB'] === 'src';
const dir = fromSource ? fileURLToPath(new URL('../src/', import.meta.url)) : libDirectory();
async function load<T>(module: string): Promise<T> {
  return (await import(pathToFileURL(join(dir, module)).href)) as T;
}

/** Which rfc6455 the benchmarks measure, for the report. */
export const libLabel = fromSource ? 'src/ through tsx (BENCH_LIB=src)' : `tsc build of src/ (${basename(dir)})`;

export const api = await load<typeof Api>('index.js');
export const { FrameParser } = await load<typeof Parser>('frame/parser.js');
export const { maskCopy } = await load<typeof Mask>('frame/mask.js');
export const { Opcode } = await load<typeof Opcodes>('frame/opcode.js');
export const { encodeFrame, encodeMessage } = await load<typeof Serializer>('frame/serializer.js');
