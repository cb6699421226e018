import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bufferUpTo, readPrefix } from "@/lib/streams";

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
