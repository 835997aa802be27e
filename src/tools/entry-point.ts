/**
 * Whether a module is the process's entry script, for files that are both
 * importable and runnable (`node --import tsx file.ts`, or through a bin
 * symlink, hence the realpath comparison).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** True when the module at `moduleUrl` (its `import.meta.url`) was started as the main script. */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
