/**
 * The comparison peers, loaded twice in one process: `ws` with its optional
 * native addon (bufferutil) and `ws` forced onto its JavaScript fallbacks
 * (WS_NO_BUFFER_UTIL / WS_NO_UTF_8_VALIDATE are read when ws's modules load,
 * so the second copy is loaded fresh from a cleared require cache).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// ws's package exports hide lib/; absolute paths reach its internals.
const wsLib = join(dirname(require.resolve('ws')), 'lib');

export interface WsInternals {
  Receiver: new (options: object) => {
    on(event: string, listener: (...args: unknown[]) => void): void;
    write(chunk: Buffer): boolean;
  };
  Sender: { frame(data: Buffer | string, options: object): Buffer[] };
  mask(source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number): void;
}

function loadWs(): WsInternals {
  return {
    Receiver: require(join(wsLib, 'receiver.js')),
    Sender: require(join(wsLib, 'sender.js')),
    mask: require(join(wsLib, 'buffer-util.js')).mask,
  };
}

function clearWsFromCache(): void {
  for (const key of Object.keys(require.cache)) {
    if (key.includes(`${'/'}node_modules/ws/`)) delete require.cache[key];
  }
}

process.env['WS_NO_BUFFER_UTIL'] = '1';
process.env['WS_NO_UTF_8_VALIDATE'] = '1';
clearWsFromCache();
/** ws on its JavaScript fallbacks only. */
export const wsJs: WsInternals = loadWs();
delete process.env['WS_NO_BUFFER_UTIL'];
delete process.env['WS_NO_UTF_8_VALIDATE'];
clearWsFromCache();
/** ws with bufferutil (its native masking addon). */
export const wsNative: WsInternals = loadWs();

/** bufferutil itself, for the raw masking comparison. */
export const bufferutil: { mask: WsInternals['mask']; unmask(buffer: Buffer, mask: Buffer): void } = require('bufferutil');
