/**
 * Child processes of the benchmarks (child side): announce readiness, answer
 * the parent's requests, and exit when the parent goes away (its IPC channel
 * closes on a normal stop, a crash or a SIGKILL alike), so no child outlives
 * the benchmark. A hard deadline (`--max-life-ms`, default 30 min) ends even
 * a child whose parent somehow stays connected and silent.
 */
type Handler = (message: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>;

export function serve(ready: Record<string, unknown>, handler: Handler, maxLifeMs = 30 * 60_000): void {
  if (process.send === undefined) throw new Error('this script is a benchmark child: start it through its part (bench/*.ts)');
  const send = (message: Record<string, unknown>) => {
    if (process.connected) process.send!(message);
  };
  process.on('disconnect', () => process.exit(0));
  setTimeout(() => process.exit(3), maxLifeMs).unref();
  process.on('message', (message: Record<string, unknown>) => {
    const id = message['id'];
    Promise.resolve()
      .then(() => handler(message))
      .then(
        (reply) => send({ type: 'reply', ...reply, id }),
        (error: unknown) => send({ type: 'error', error: error instanceof Error ? error.stack ?? error.message : String(error), id }),
      );
  });
  send({ type: 'ready', ...ready });
}

/** Collect garbage thoroughly (needs --expose-gc): two full collections with a turn of the event loop between. */
export async function fullGc(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('start this child with --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
