/** Every fuzz target, by name, in the order the CLI runs them. */
import type { FuzzTarget } from '../harness.js';
import { handshakeTarget } from './handshake.js';
import { clientTarget, serverTarget } from './live.js';
import { parserTarget } from './parser.js';

export const TARGETS: Readonly<Record<string, () => FuzzTarget>> = {
  parser: parserTarget,
  handshake: handshakeTarget,
  server: () => serverTarget(false),
  'server-deflate': () => serverTarget(true),
  client: () => clientTarget(false),
  'client-deflate': () => clientTarget(true),
};
