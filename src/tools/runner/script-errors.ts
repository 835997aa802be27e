/**
 * Where a script error happened, as `file:line:column`: the script's own
 * frame in the stack when there is one (a throw inside the library, say from
 * `new WebSocket(badUrl)`, is reported at the script line that called it);
 * else the first frame outside Node, node_modules and rfc6455 itself. Syntax
 * errors carry no stack frame: TypeScript ones (tsx/esbuild) name the place in
 * their message; for JavaScript the runner asks `node --check`.
 */
import { spawnSync } from 'node:child_process';
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ScriptErrorInfo } from './protocol.js';

/** The package's compiled (or source) root: frames in here are the library or the runner. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A path as shown to the user: relative to the working directory when under it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** `{ file, line, column }` from a stack frame line, or null. */
function frameLocation(frame: string): { file: string; line: string; column: string } | null {
  let text = frame.trim();
  if (!text.startsWith('at ')) return null;
  text = text.slice(3);
  const open = text.lastIndexOf('(');
  if (open >= 0 && text.endsWith(')')) text = text.slice(open + 1, -1);
  const lastColon = text.lastIndexOf(':');
  const lineColon = text.lastIndexOf(':', lastColon - 1);
  if (lineColon <= 0) return null;
  const line = text.slice(lineColon + 1, lastColon);
  const column = text.slice(lastColon + 1);
  if (!isDigits(line) || !isDigits(column)) return null;
  let file = text.slice(0, lineColon);
  if (file.startsWith('file://')) {
    try {
      file = fileURLToPath(file);
    } catch {
      return null;
    }
  }
  return isAbsolute(file) ? { file, line, column } : null;
}

function isDigits(text: string): boolean {
  if (text === '') return false;
  for (const char of text) if (char < '0' || char > '9') return false;
  return true;
}

/** The best `file:line:column` in a stack, preferring the script's own frames. */
function locateInStack(stack: string, scriptPath: string): string | null {
  let fallback: string | null = null;
  for (const frame of stack.split('\n').slice(1)) {
    const where = frameLocation(frame);
    if (where === null) continue;
    const label = `${displayPath(where.file)}:${where.line}:${where.column}`;
    if (where.file === scriptPath) return label;
    const foreign = where.file.startsWith(PACKAGE_ROOT) || where.file.includes(`${sep}node_modules${sep}`);
    if (fallback === null && !foreign) fallback = label;
  }
  return fallback;
}

/** esbuild's `path:line:column: ERROR: text` line in a tsx TransformError message. */
function locateTransformError(message: string): { location: string; text: string } | null {
  for (const line of message.split('\n')) {
    const marker = line.indexOf(': ERROR: ');
    if (marker < 0) continue;
    const where = frameLocation(`at ${line.slice(0, marker)}`);
    if (where === null) continue;
    return { location: `${displayPath(where.file)}:${where.line}:${where.column}`, text: line.slice(marker + ': ERROR: '.length) };
  }
  return null;
}

/** `node --check FILE` reports a JavaScript syntax error's line (as `FILE:LINE` first on stderr). */
function locateSyntaxError(scriptPath: string): string | null {
  const result = spawnSync(process.execPath, ['--check', scriptPath], { encoding: 'utf8', timeout: 10_000 });
  const first = result.stderr?.split('\n')[0] ?? '';
  const colon = first.lastIndexOf(':');
  if (colon < 0 || !isDigits(first.slice(colon + 1))) return null;
  return `${displayPath(first.slice(0, colon))}:${first.slice(colon + 1)}`;
}

/**
 * Describe an exception thrown by (or while loading) the script at
 * `scriptPath`: a one-line message and where it happened.
 */
export function describeScriptError(error: unknown, scriptPath: string, phase: ScriptErrorInfo['phase']): ScriptErrorInfo {
  if (!(error instanceof Error)) {
    return { message: `Uncaught ${typeof error === 'string' ? JSON.stringify(error) : String(error)}`, location: null, phase };
  }
  const transform = locateTransformError(error.message);
  if (transform !== null) return { message: `SyntaxError: ${transform.text}`, location: transform.location, phase };
  const message = `${error.name}: ${error.message.split('\n')[0] ?? ''}`;
  let location = locateInStack(error.stack ?? '', scriptPath);
  if (location === null && error.name === 'SyntaxError' && phase === 'init' && !/\.[cm]?tsx?$/.test(scriptPath)) {
    location = locateSyntaxError(scriptPath);
  }
  return { message, location, phase };
}

/** The script's file URL and display label. */
export function scriptIdentity(path: string): { url: string; label: string } {
  return { url: pathToFileURL(path).href, label: displayPath(path) };
}
