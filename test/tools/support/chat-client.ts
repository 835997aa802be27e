/**
 * A test client for examples/chat-server.ts: connects, records every JSON
 * message it receives, and waits for the next ones with a deadline.
 */
import { WebSocket } from '../../../src/index.js';

export interface ChatMessage {
  readonly event: string;
  readonly user?: string;
  readonly message?: string;
}

export interface ChatClient {
  readonly ws: WebSocket;
  /** Every message received so far, parsed. */
  readonly inbox: ChatMessage[];
  send(message: unknown): void;
  /** Resolve with the next `count` messages not yet taken (rejects after `ms`). */
  take(count?: number, ms?: number): Promise<ChatMessage[]>;
  /** Resolve with the close event's code (rejects after `ms`). */
  closed(ms?: number): Promise<number>;
}

/** Connect to `url` and wait for open. */
export async function chatClient(url: string): Promise<ChatClient> {
  const ws = new WebSocket(url);
  const inbox: ChatMessage[] = [];
  let taken = 0;
  const waiters = new Set<() => void>();
  let closeCode: number | null = null;
  ws.addEventListener('message', (event) => {
    inbox.push(JSON.parse((event as MessageEvent).data as string) as ChatMessage);
    for (const wake of waiters) wake();
  });
  ws.addEventListener('close', (event) => {
    closeCode = (event as unknown as { code: number }).code;
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)), { once: true });
  });
  const waitFor = <T>(ready: () => T | undefined, ms: number, what: string): Promise<T> => new Promise((resolve, reject) => {
    const check = () => {
      const value = ready();
      if (value === undefined) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve(value);
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`${what} within ${ms} ms (inbox: ${JSON.stringify(inbox.slice(taken))})`));
    }, ms);
    waiters.add(check);
    check();
  });
  return {
    ws,
    inbox,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    take: (count = 1, ms = 3000) => waitFor(() => {
      if (inbox.length - taken < count) return undefined;
      taken += count;
      return inbox.slice(taken - count, taken);
    }, ms, `no ${count} message(s)`),
    closed: (ms = 3000) => waitFor(() => closeCode ?? undefined, ms, 'no close'),
  };
}
