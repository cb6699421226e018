/** Measuring helpers shared by the benchmarks (bench/*.ts). */
import fs from "node:fs";

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

/** CPU seconds (utime + stime) and RSS bytes of every process in `pgid`'s group (Linux /proc). */
export function groupUsage(pgid: number): { cpuSeconds: number; rssBytes: number } {
  const tick = 100; // USER_HZ on Linux
  const page = 4096;
  let cpu = 0;
  let rss = 0;
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) !== pgid) continue; // pgrp
    cpu += (Number(fields[11]) + Number(fields[12])) / tick; // utime, stime
    rss += Number(fields[21]) * page;
  }
  return { cpuSeconds: cpu, rssBytes: rss };
}
