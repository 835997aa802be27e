/** Resolve once `predicate` holds (polled every `intervalMs`), or reject naming `what` after `ms`. */
export async function eventually(predicate: () => boolean, ms = 3000, what = 'condition', intervalMs = 5): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
