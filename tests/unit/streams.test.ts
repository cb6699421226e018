import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bufferUpTo, isLiveFeed, readPrefix } from "@/lib/streams";

const chunks = (...parts: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of parts) controller.enqueue(new TextEncoder().encode(p));
      controller.close();
    },
  });

describe("readPrefix", () => {
  it("reads up to the limit (whole chunks), all of a shorter stream, nothing of none", async () => {
    expect(new TextDecoder().decode(await readPrefix(chunks("abc", "def", "ghi"), 4))).toBe("abcdef");
    expect(new TextDecoder().decode(await readPrefix(chunks("ab"), 10))).toBe("ab");
    expect((await readPrefix(null, 10)).byteLength).toBe(0);
  });

  it("cancels the rest: an endless stream is read no further", async () => {
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => void (pulls++, c.enqueue(new Uint8Array(100))) }, { highWaterMark: 0 });
    expect((await readPrefix(endless, 250)).byteLength).toBe(300);
    expect(pulls).toBe(3);
  });

  it("returns from a cloned request's body whose other branch is never read (tee'd stream)", async () => {
    const request = new Request("http://x/", { method: "POST", body: chunks("a".repeat(1000), "b".repeat(1000)), duplex: "half" } as RequestInit);
    expect((await readPrefix(request.clone().body, 500)).byteLength).toBe(1000);
    expect((await request.text()).length).toBe(2000);
  });

  it("throws the stream's error", async () => {
    const failing = new ReadableStream<Uint8Array>({ pull: (c) => c.error(new Error("reset")) });
    await expect(readPrefix(failing, 10)).rejects.toThrow("reset");
  });
});

describe("bufferUpTo", () => {
  const text = async (stream: ReadableStream<Uint8Array>) => new TextDecoder().decode(await new Response(stream).arrayBuffer());

  it("holds whole a stream of at most the limit (exactly the limit included), none of a null one", async () => {
    const exact = await bufferUpTo(chunks("abc", "def"), 6);
    expect("whole" in exact && new TextDecoder().decode(exact.whole)).toBe("abcdef");
    expect(await bufferUpTo(null, 6)).toEqual({ whole: new Uint8Array(0) });
  });

  it("hands on a longer stream whole: the bytes read first, then the rest, in order", async () => {
    const read = await bufferUpTo(chunks("abc", "def", "g", "hij"), 5);
    expect("stream" in read).toBe(true);
    expect(await text((read as { stream: ReadableStream<Uint8Array> }).stream)).toBe("abcdefghij");
  });

  it("any chunking and limit: whole exactly when the total fits, and every byte either way", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }), fc.nat(300), async (parts, limit) => {
        const source = new ReadableStream<Uint8Array>({
          start(controller) {
            for (const p of parts) controller.enqueue(p);
            controller.close();
          },
        });
        const all = Buffer.concat(parts);
        const read = await bufferUpTo(source, limit);
        if ("whole" in read) {
          expect(all.byteLength).toBeLessThanOrEqual(limit);
          expect(Buffer.from(read.whole).equals(all)).toBe(true);
        } else {
          expect(all.byteLength).toBeGreaterThan(limit);
          expect(Buffer.from(await new Response(read.stream).arrayBuffer()).equals(all)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("hands on a slow stream at the deadline, the read under way included, and cancelling it cancels the source", async () => {
    let release!: () => void;
    let cancelled: unknown;
    let pulls = 0;
    const slow = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          pulls++;
          if (pulls === 1) return controller.enqueue(new TextEncoder().encode("first"));
          if (pulls === 2) {
            // The second chunk comes only after the deadline passed.
            await new Promise<void>((resolve) => (release = resolve));
            return controller.enqueue(new TextEncoder().encode("-second"));
          }
          controller.enqueue(new TextEncoder().encode("-more"));
        },
        cancel(reason) {
          cancelled = reason;
        },
      },
      { highWaterMark: 0 },
    );
    const deadline = new AbortController();
    const reading = bufferUpTo(slow, 1_000, deadline.signal);
    await expect.poll(() => pulls).toBe(2);
    deadline.abort();
    const read = await reading;
    expect("stream" in read).toBe(true);
    const reader = (read as { stream: ReadableStream<Uint8Array> }).stream.getReader();
    const decode = async () => new TextDecoder().decode((await reader.read()).value);
    expect(await decode()).toBe("first");
    release();
    expect(await decode()).toBe("-second");
    expect(await decode()).toBe("-more");
    await reader.cancel("buyer gone");
    expect(cancelled).toBe("buyer gone");
  });

  it("throws the stream's error while holding it", async () => {
    const failing = new ReadableStream<Uint8Array>({ pull: (c) => c.error(new Error("reset")) });
    await expect(bufferUpTo(failing, 10)).rejects.toThrow("reset");
  });
});

describe("isLiveFeed", () => {
  const LIVE = ["text/event-stream", "application/x-ndjson", "application/ndjson", "application/jsonl", "application/jsonlines", "application/x-jsonlines", "application/json-seq"];
  /** `s` with each letter's case chosen at random. */
  const anyCase = (s: string) => fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(""));
  const space = fc.constantFrom("", " ", "\t", "  ");
  const params = fc.array(fc.tuple(fc.stringMatching(/^[a-z-]{1,8}$/), fc.stringMatching(/^[a-zA-Z0-9"=-]{0,12}$/)), { maxLength: 3 }).map((ps) => ps.map(([k, v]) => `; ${k}=${v}`).join(""));

  it("knows every live-feed type in any case, padding and parameters", () => {
    fc.assert(
      fc.property(fc.constantFrom(...LIVE).chain(anyCase), space, space, params, (type, before, after, rest) => {
        expect(isLiveFeed(new Headers({ "content-type": `${before}${type}${after}${rest}` }))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("calls nothing else a live feed: another type, a live one with something added or cut, no type, any header value", () => {
    const near = fc.constantFrom(...LIVE).chain((t) => fc.oneof(fc.constant(`${t}x`), fc.constant(`x${t}`), fc.constant(t.slice(0, -1)), fc.constant(t.replace("/", "/x-")), fc.constant(`${t}+json`)).filter((n) => !LIVE.includes(n)));
    const other = fc.oneof(near, fc.constantFrom("application/json", "text/plain", "text/html", "application/octet-stream", ""), fc.string({ maxLength: 60 }).filter((s) => !LIVE.includes(s.split(";")[0]!.trim().toLowerCase())));
    fc.assert(
      fc.property(other, params, (type, rest) => {
        const value = `${type}${rest}`;
        let headers: Headers;
        try {
          headers = new Headers({ "content-type": value });
        } catch {
          return; // not a header value fetch would carry
        }
        expect(isLiveFeed(headers), value).toBe(false);
      }),
      { numRuns: 500 },
    );
    expect(isLiveFeed(new Headers())).toBe(false);
  });
});
