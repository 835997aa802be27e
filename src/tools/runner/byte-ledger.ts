/**
 * Exact `data_sent` / `data_received`: the bytes a VU's TCP sockets wrote and
 * read, handshakes included (as k6 counts them), taken from each socket's own
 * `bytesWritten`/`bytesRead` when it closes.
 *
 * Sockets come from two places, deduplicated: every plain TCP client socket
 * the VU's thread creates (Node's `net.client.socket` diagnostics channel,
 * which also sees handshakes that fail and redirect hops) and, for each
 * WebSocket that opens, its transport (`internalConnection(ws).transport`,
 * which also covers `wss:`, whose sockets `tls.connect` creates without
 * publishing on that channel).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Duplex } from 'node:stream';
import type { MetricsBuffer } from './metrics.js';

/** What the ledger reads from a socket (net.Socket and tls.TLSSocket have both). */
interface CountingSocket extends Duplex {
  readonly bytesWritten?: number;
  readonly bytesRead?: number;
}

export class ByteLedger {
  readonly #metrics: MetricsBuffer;
  readonly #seen = new WeakSet<Duplex>();
  readonly #live = new Set<CountingSocket>();
  readonly #onChannel = (message: unknown) => {
    const socket = (message as { socket?: Duplex } | null)?.socket;
    if (socket !== undefined) this.track(socket);
  };

  constructor(metrics: MetricsBuffer) {
    this.#metrics = metrics;
  }

  /** Count every TCP client socket created from now on in this thread. */
  watchClientSockets(): void {
    subscribe('net.client.socket', this.#onChannel);
  }

  unwatch(): void {
    unsubscribe('net.client.socket', this.#onChannel);
  }

  /** Count `socket` (once, however often it is passed) when it closes. */
  track(socket: Duplex): void {
    if (this.#seen.has(socket)) return;
    this.#seen.add(socket);
    const counting = socket as CountingSocket;
    if (typeof counting.bytesWritten !== 'number' && typeof counting.bytesRead !== 'number') return;
    this.#live.add(counting);
    if (socket.closed) this.#settle(counting);
    else socket.once('close', () => this.#settle(counting));
  }

  /** Count the sockets still open at their current totals (the VU is finishing). */
  settleAll(): void {
    for (const socket of [...this.#live]) this.#settle(socket);
  }

  #settle(socket: CountingSocket): void {
    if (!this.#live.delete(socket)) return;
    const written = socket.bytesWritten ?? 0;
    const read = socket.bytesRead ?? 0;
    if (written > 0) this.#metrics.add('data_sent', written);
    if (read > 0) this.#metrics.add('data_received', read);
  }
}
