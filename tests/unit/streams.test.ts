import { describe, expect, it } from "vitest";
import { readPrefix } from "@/lib/streams";

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
