/**
 * The bound on what a paid request holds whole before settling (MAX_BUFFERED_RESPONSE_BYTES):
 * callUpstream against a real HTTP server standing in for the app's loopback (UPSTREAM_ORIGIN),
 * answering with a declared length, chunked without one, or gzip-encoded (whose declared length
 * says nothing of the decoded size). The integration test (paid-api.test.ts) shows the buyer's side.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const LIMIT = 64 * 1024;

/** Byte i of every answer, so that a body read whole can be checked byte for byte. */
const byteAt = (i: number) => (i * 31 + 7) & 0xff;
const bytes = (from: number, n: number) => Uint8Array.from({ length: n }, (_, k) => byteAt(from + k));

let server: http.Server;
/** Answers that the client closed before they were complete (the handler's stream cancelled). */
const closedEarly: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, "http://x");
    const n = Number(url.searchParams.get("n") ?? -1);
    const chunk = Number(url.searchParams.get("chunk") ?? 16 * 1024);
    res.on("close", () => {
      if (!res.writableFinished) closedEarly.push(url.pathname + url.search);
    });
    if (url.pathname === "/trickle") {
      // A feed that sent its first record and waits for the next (until the client goes away).
      res.writeHead(200, { "content-type": url.searchParams.get("type")! });
      res.write(bytes(0, 512));
    } else if (url.pathname === "/gzip") {
      const encoded = zlib.gzipSync(bytes(0, n));
      res.writeHead(200, { "content-type": "application/octet-stream", "content-encoding": "gzip", "content-length": String(encoded.byteLength) });
      res.end(encoded);
    } else {
      // Written as the client reads: with its length declared, or chunked without one (n < 0:
      // without end, until the client goes away).
      // (`type`: the media type to answer with.)
      res.writeHead(200, url.pathname === "/declared" ? { "content-type": "application/octet-stream", "content-length": String(n) } : { "content-type": url.searchParams.get("type") ?? "text/html; charset=utf-8" });
      let sent = 0;
      const write = () => {
        while (n < 0 || sent < n) {
          if (res.destroyed) return;
          const size = n < 0 ? chunk : Math.min(chunk, n - sent);
          const ok = res.write(bytes(sent, size));
          sent += size;
          if (!ok) return void res.once("drain", write);
        }
        res.end();
      };
      write();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  vi.stubEnv("UPSTREAM_ORIGIN", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  vi.stubEnv("MAX_BUFFERED_RESPONSE_BYTES", String(LIMIT));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const { callUpstream, openUpstreamUpTo, ResponseTooLarge } = await import("@/lib/gateway/upstream");

/** callUpstream for `pathAndQuery`, as a paid GET from a buyer would make it. */
function call(pathAndQuery: string) {
  const url = new URL(pathAndQuery, "http://127.0.0.1:3000");
  return callUpstream(new Request(url, { headers: { accept: "*/*" } }), { path: url.pathname, href: url.pathname }, null);
}

describe("callUpstream holds at most MAX_BUFFERED_RESPONSE_BYTES", () => {
  it("reads a body of exactly the bound whole, and refuses one byte more, however it is framed", async () => {
    for (const kind of ["declared", "chunked", "gzip"]) {
      const { response, body } = await call(`/${kind}?n=${LIMIT}`);
      expect([kind, response.status, body.byteLength]).toEqual([kind, 200, LIMIT]);
      expect(new Uint8Array(body)).toEqual(bytes(0, LIMIT));
      await expect(call(`/${kind}?n=${LIMIT + 1}`), kind).rejects.toBeInstanceOf(ResponseTooLarge);
    }
  });

  it("stops reading an answer without end past the bound, and cancels the handler's stream", async () => {
    const error = await call("/chunked?n=-1&chunk=4096").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseTooLarge);
    expect((error as InstanceType<typeof ResponseTooLarge>).limit).toBe(LIMIT);
    await vi.waitFor(() => expect(closedEarly).toContain("/chunked?n=-1&chunk=4096"), { timeout: 30_000 });
  });

  it("refuses a declared length over the bound before reading it, and closes the connection", async () => {
    // 1 GiB declared: refused at once, with almost all of it unsent.
    await expect(call(`/declared?n=${1024 ** 3}`)).rejects.toBeInstanceOf(ResponseTooLarge);
    await vi.waitFor(() => expect(closedEarly).toContain(`/declared?n=${1024 ** 3}`), { timeout: 30_000 });
  });

  it("returns every body up to the bound byte for byte and refuses every longer one, in any chunking (fuzz)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 * LIMIT }), fc.integer({ min: 1, max: 40_000 }), fc.constantFrom("declared", "chunked", "gzip"), async (n, chunk, kind) => {
        const result = call(`/${kind}?n=${n}&chunk=${chunk}`);
        if (n > LIMIT) await expect(result).rejects.toBeInstanceOf(ResponseTooLarge);
        else expect(new Uint8Array((await result).body)).toEqual(bytes(0, n));
      }),
      { numRuns: 60 },
    );
  });
});

describe("openUpstreamUpTo (a payment-identifier payment on a streamed route)", () => {
  const open = (pathAndQuery: string) => {
    const url = new URL(pathAndQuery, "http://127.0.0.1:3000");
    return openUpstreamUpTo(new Request(url, { headers: { accept: "*/*" } }), { path: url.pathname, href: url.pathname }, null, LIMIT);
  };

  it("streams a live feed at once, however its media type is spelled: server-sent events, NDJSON, JSON Lines, JSON text sequences", async () => {
    // Each answer sends 512 bytes and waits: held to be kept, it would hold until UPSTREAM_TIMEOUT_MS (60 s).
    const types = ["text/event-stream", "Text/Event-Stream; charset=utf-8", "application/x-ndjson", "application/ndjson", "application/jsonl", "application/jsonlines", "application/x-jsonlines; charset=utf-8", "application/json-seq"];
    for (const type of types) {
      const path = `/trickle?type=${encodeURIComponent(type)}`;
      const { response, body } = await open(path);
      expect(body, type).toBeNull();
      // The 512 bytes sent so far, in however many chunks they arrive.
      const reader = response.body!.getReader();
      const received: number[] = [];
      while (received.length < 512) received.push(...(await reader.read()).value!);
      expect(Uint8Array.from(received), type).toEqual(bytes(0, 512));
      await reader.cancel();
      await vi.waitFor(() => expect(closedEarly).toContain(path), { timeout: 30_000 });
    }
  });

  it("holds a body of any other type whole when it ends within the limit, to be kept for the id's retries", async () => {
    for (const type of ["application/json", "text/plain", "application/x-ndjson-like", "text/event-streams"]) {
      const { body } = await open(`/chunked?n=1000&chunk=100&type=${encodeURIComponent(type)}`);
      expect(new Uint8Array(body!), type).toEqual(bytes(0, 1000));
    }
  });
});
