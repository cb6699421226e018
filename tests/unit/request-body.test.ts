import { describe, expect, it } from "vitest";
import { TollgateError } from "@/lib/errors";
import { readRequestBody } from "@/lib/gateway/request-body";

const URL_ = "http://127.0.0.1:3000/api/demo/summarize";

/** A request body stream that sends `bytes`, then ends only if `end`. */
function streamOf(bytes: Uint8Array, end: boolean): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      if (end) controller.close();
    },
  });
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TollgateError);
  return { code: (error as TollgateError).code, status: (error as TollgateError).status };
}

describe("readRequestBody (a paid request's body, before anything is claimed)", () => {
  it("reads a GET as no body, and any other method's body whole, declared or chunked", async () => {
    expect(await readRequestBody(new Request(URL_))).toBeNull();
    const text = '{"text":"Agents pay per request."}';
    expect(new TextDecoder().decode((await readRequestBody(new Request(URL_, { method: "POST", body: text })))!)).toBe(text);
    const chunked = new Request(URL_, { method: "PUT", body: streamOf(new TextEncoder().encode(text), true), duplex: "half" } as RequestInit);
    expect(chunked.headers.get("content-length")).toBeNull();
    expect(new TextDecoder().decode((await readRequestBody(chunked))!)).toBe(text);
    expect((await readRequestBody(new Request(URL_, { method: "DELETE" })))!.byteLength).toBe(0);
  });

  it("refuses a body over MAX_REQUEST_BODY_BYTES, or cut short of a Content-Length over it, with 413, and one short of a smaller Content-Length with 400", async () => {
    const cut = new Request(URL_, { method: "POST", body: "x".repeat(1000), headers: { "content-length": String(10 * 1024 * 1024 + 1) } });
    expect(await refusal(readRequestBody(cut))).toEqual({ code: "payload_too_large", status: 413 });
    // Chunked, as Next cut it before the guard was installed: one read past the limit.
    const over = new Request(URL_, { method: "POST", body: streamOf(new Uint8Array(10 * 1024 * 1024 + 1), true), duplex: "half" } as RequestInit);
    expect(await refusal(readRequestBody(over))).toEqual({ code: "payload_too_large", status: 413 });
    expect((await readRequestBody(new Request(URL_, { method: "POST", body: streamOf(new Uint8Array(10 * 1024 * 1024), true), duplex: "half" } as RequestInit)))!.byteLength).toBe(10 * 1024 * 1024);
    const short = new Request(URL_, { method: "POST", body: "x".repeat(1000), headers: { "content-length": "1001" } });
    expect(await refusal(readRequestBody(short))).toEqual({ code: "bad_request", status: 400 });
  });

  it("gives up on a body whose sender left before it ended (the request's signal aborted): 400", async () => {
    const left = new AbortController();
    const stalled = new Request(URL_, { method: "POST", body: streamOf(new Uint8Array(10), false), duplex: "half", signal: left.signal } as RequestInit);
    const reading = readRequestBody(stalled);
    left.abort();
    expect(await refusal(reading)).toEqual({ code: "bad_request", status: 400 });
    // Already gone before reading began.
    expect(await refusal(readRequestBody(new Request(URL_, { method: "POST", body: "x", signal: left.signal })))).toEqual({ code: "bad_request", status: 400 });
  });
});
