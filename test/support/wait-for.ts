/** Polls `probe` until it returns something truthy (returned) or `timeoutMs` passes (throws, naming `what`). */
export async function waitFor<T>(probe: () => T | Promise<T>, what = 'condition', timeoutMs = 5000, intervalMs = 10): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
