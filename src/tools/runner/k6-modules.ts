/**
 * The k6 module specifiers a script may import, mapped to the runner's own
 * modules by a module-resolution hook registered in each VU's thread, so a
 * k6 script's import lines work unchanged and offline:
 *
 *   k6/websockets                               → ./k6/websockets.js (rfc6455's WebSocket, measured)
 *   k6/timers                                   → ./k6/timers.js
 *   https://jslib.k6.io/k6-utils/<version>/…    → ./k6/utils.js (randomString, randomIntBetween, …)
 *
 * Any other `k6`, `k6/…` or `https://jslib.k6.io/…` import fails with a
 * message naming what is provided, instead of a download attempt.
 *
 * As in k6, a script and the local files it imports are ES modules: `.js`
 * and `.ts` files outside node_modules load as such even where no
 * package.json says `"type": "module"` (tsx would otherwise hand TypeScript
 * to the CommonJS loader, which it has not hooked in a VU's thread).
 */
import { register } from 'node:module';

/** Exact specifiers → module paths relative to this file. */
const EXACT: Readonly<Record<string, string>> = {
  'k6/websockets': './k6/websockets.js',
  'k6/experimental/websockets': './k6/websockets.js',
  'k6/timers': './k6/timers.js',
};

/** Specifier prefixes → module paths relative to this file. */
const PREFIXES: readonly (readonly [string, string])[] = [
  ['https://jslib.k6.io/k6-utils/', './k6/utils.js'],
];

/** The hook module, as source: registered from a data: URL so it needs no file of its own (and no TypeScript loader). */
const HOOKS_SOURCE = `
let exact = {};
let prefixes = [];
let provided = '';
export function initialize(data) { ({ exact, prefixes, provided } = data); }
export async function resolve(specifier, context, nextResolve) {
  let target = Object.hasOwn(exact, specifier) ? exact[specifier] : undefined;
  for (const [prefix, url] of prefixes) if (target === undefined && specifier.startsWith(prefix)) target = url;
  if (target !== undefined) return nextResolve(target, context);
  if (specifier === 'k6' || specifier.startsWith('k6/') || specifier.startsWith('https://jslib.k6.io/')) {
    const error = new Error('rfc6455 run does not provide "' + specifier + '" (it provides ' + provided + ')');
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  const resolved = await nextResolve(specifier, context);
  // k6 scripts are ES modules wherever they are: .js/.ts files outside node_modules
  // are loaded as such even without "type": "module" in a package.json.
  if (resolved.format === 'commonjs' && resolved.url.startsWith('file:') && !resolved.url.includes('/node_modules/') &&
      (resolved.url.endsWith('.js') || resolved.url.endsWith('.ts'))) {
    return { ...resolved, format: 'module' };
  }
  return resolved;
}
`;

/** What the runner provides, for messages and help. */
export const PROVIDED_MODULES = [...Object.keys(EXACT), 'https://jslib.k6.io/k6-utils/<version>/index.js'] as const;

/**
 * Register the mapping for this thread's module loader (Node ≥ 20.6). `ext`
 * is the runner's own file extension ('.js' when compiled, '.ts' from source).
 */
export function registerK6Modules(ext: '.js' | '.ts'): void {
  const url = (path: string) => new URL(path.slice(0, -'.js'.length) + ext, import.meta.url).href;
  const exact = Object.fromEntries(Object.entries(EXACT).map(([specifier, path]) => [specifier, url(path)]));
  const prefixes = PREFIXES.map(([prefix, path]) => [prefix, url(path)]);
  register(`data:text/javascript,${encodeURIComponent(HOOKS_SOURCE)}`, { data: { exact, prefixes, provided: PROVIDED_MODULES.join(', ') } });
}
