/**
 * `--serve MODULE`: a service started inside the runner's process before the
 * VUs and closed after them, so a script can run against it with nothing
 * else running (`npm start` plays the k6 chat example against the embedded
 * chat server this way). The module exports `serve()`, which resolves with
 * the service's `url` (given to the script as `__ENV.WS_URL`) and `close()`.
 */
import { resolve } from 'node:path';
import { RunSetupError } from './run.js';
import { importModule } from './typescript.js';

/** What a `--serve` module's `serve()` resolves with. */
export interface EmbeddedService {
  readonly url: string;
  close(): Promise<void> | void;
}

/** Import `path` and start its service. */
export async function startService(path: string): Promise<EmbeddedService> {
  let module: Record<string, unknown>;
  try {
    module = await importModule(resolve(path));
  } catch (error) {
    throw new RunSetupError(`cannot load --serve module ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof module['serve'] !== 'function') {
    throw new RunSetupError(`--serve module ${path} must export a function serve() resolving with { url, close() }`);
  }
  const service = await (module['serve'] as () => unknown)() as Partial<EmbeddedService> | null;
  if (service === null || typeof service !== 'object' || typeof service.url !== 'string' || typeof service.close !== 'function') {
    throw new RunSetupError(`serve() in ${path} must resolve with { url: string, close(): Promise<void> }`);
  }
  return service as EmbeddedService;
}
