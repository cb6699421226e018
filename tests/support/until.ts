/** Waits until `check` holds (a thrown check counts as not yet), asking every 100 ms; the test's own timeout bounds it. `what` names the wait for a reader. */
export async function until<T>(what: string, check: () => Promise<T | undefined | null | false>): Promise<T> {
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}
