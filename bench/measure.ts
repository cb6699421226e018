/** Measuring helpers shared by the benchmarks (bench/*.ts). */

/** Requests per second for `total` GETs of `url` with `concurrency` in flight; asserts the status. */
export async function throughput(url: string, expectStatus: number, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.status !== expectStatus) throw new Error(`${url}: expected ${expectStatus}, got ${res.status}`);
      }
    }),
  );
  return total / ((performance.now() - start) / 1000);
}

/** The `p`th percentile (0–100) of `xs`, nearest rank. */
export const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
