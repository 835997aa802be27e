/**
 * One pairing of the echo part: a server process pinned to core 0 and a
 * client process pinned to core 1, connected once and kept for the whole run.
 */
import { join } from 'node:path';
import { Child } from '../children.js';
import type { ServerImpl } from '../servers.js';
import type { ClientImpl } from './clients.js';

export interface Pair {
  /** `server+client`, e.g. `rfc6455+ws`. */
  readonly name: string;
  readonly server: Child;
  readonly client: Child;
  /** The extensions the client's handshake negotiated. */
  readonly extensions: string;
}

/**
 * Start a pairing. With `profileDir`, both processes run under `--cpu-prof`
 * and write their profiles into `<profileDir>/<server>+<client>.server/` and
 * `.client/` when they exit (at the end of the run): one file per thread,
 * the main thread's being the largest (the other is tsx's loader thread).
 */
export async function startPair(server: ServerImpl, client: ClientImpl, deflate: boolean, profileDir?: string): Promise<Pair> {
  const name = `${server}+${client}`;
  const flags = deflate ? ['--deflate'] : [];
  // One directory per process: Node writes one profile per thread (tsx's loader hooks run in a
  // worker thread), and a fixed --cpu-prof-name would let the threads overwrite each other.
  const profile = (role: string) => (profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `${name}.${role}`)}`]);
  const serverChild = new Child(`echo server (${name})`, new URL('./server.ts', import.meta.url), ['--impl', server, ...flags], { core: 0, nodeFlags: ['--expose-gc', ...profile('server')] });
  const { port } = (await serverChild.ready) as unknown as { port: number };
  const clientChild = new Child(`echo client (${name})`, new URL('./client.ts', import.meta.url), ['--impl', client, '--url', `ws://127.0.0.1:${port}/`, ...flags], { core: 1, nodeFlags: ['--expose-gc', ...profile('client')] });
  const { extensions } = (await clientChild.ready) as unknown as { extensions: string };
  return { name, server: serverChild, client: clientChild, extensions };
}
