/** Poll until `check` holds; fail the test after `ms`. */
export async function waitFor(check: () => Promise<boolean>, ms = 30_000, every = 200): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(every);
  }
  throw new Error(`condition not met within ${ms} ms`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
