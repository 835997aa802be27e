/**
 * A process-wide bound on concurrent zlib work.
 *
 * Node runs zlib on the libuv thread pool. With many compressed connections
 * busy at once, unbounded concurrency queues work on that pool (starving file
 * system and DNS work) and fragments memory — the cause of `ws`'s well-known
 * memory growth with permessage-deflate (Node issue #8871). Every compression
 * and decompression job goes through this limiter; a job only holds a slot
 * while zlib works on bytes already received, never while waiting for the
 * network, so a slow peer cannot starve the others.
 */

/** A unit of zlib work: call `done` exactly once when finished. */
export type ZlibJob = (done: () => void) => void;

export class ZlibLimiter {
  private running = 0;
  private readonly queue: ZlibJob[] = [];
  private head = 0;

  constructor(public concurrency: number) {}

  /** Jobs waiting for a slot. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Run `job` now if a slot is free, else when one frees up (FIFO). */
  add(job: ZlibJob): void {
    this.queue.push(job);
    this.next();
  }

  private next(): void {
    while (this.running < this.concurrency && this.head < this.queue.length) {
      const job = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as ZlibJob;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
      this.running++;
      let finished = false;
      job(() => {
        if (finished) return;
        finished = true;
        this.running--;
        this.next();
      });
    }
  }
}

/** Default number of concurrent zlib jobs in the process. */
export const DEFAULT_COMPRESSION_CONCURRENCY = 10;

/** The limiter every connection shares. */
export const zlibLimiter = new ZlibLimiter(DEFAULT_COMPRESSION_CONCURRENCY);

/** Change how many zlib jobs may run at once in this process (default 10). */
export function setCompressionConcurrency(concurrency: number): void {
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  zlibLimiter.concurrency = concurrency;
}
