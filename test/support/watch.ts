/**
 * Watch what an application sees on a WebSocket: the exact sequence of
 * events, with the readyState at each one and the error's code and cause —
 * the things the reliability tests assert on.
 */
import type { CloseEvent, ErrorEvent, WebSocket } from '../../src/index.js';

export interface Watched {
  /** e.g. `open@1`, `message@1`, `error@3:WS_ERR_CONNECTION_LOST`, `close@3:1006:false`. */
  readonly log: string[];
  readonly errors: Error[];
  readonly closed: Promise<CloseEvent>;
  readonly messages: (string | Buffer)[];
}

/** The code of an error and of its causes, e.g. `WS_ERR_SOCKET<ECONNRESET`. */
export function codeChain(error: unknown): string {
  const codes: string[] = [];
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e !== undefined && e !== null && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
  }
  return codes.join('<');
}

export function watch(ws: WebSocket): Watched {
  const log: string[] = [];
  const errors: Error[] = [];
  const messages: (string | Buffer)[] = [];
  ws.binaryType = 'nodebuffer';
  ws.addEventListener('open', () => log.push(`open@${ws.readyState}`));
  ws.addEventListener('message', (event) => {
    messages.push((event as MessageEvent).data as string | Buffer);
    log.push(`message@${ws.readyState}`);
  });
  ws.addEventListener('error', (event) => {
    const error = (event as ErrorEvent).error as Error;
    errors.push(error);
    log.push(`error@${ws.readyState}:${codeChain(error).split('<')[0]}`);
  });
  const closed = new Promise<CloseEvent>((resolve) => {
    ws.addEventListener('close', (event) => {
      const close = event as CloseEvent;
      log.push(`close@${ws.readyState}:${close.code}:${close.wasClean}`);
      resolve(close);
    });
  });
  return { log, errors, closed, messages };
}
