import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ACTION_BODY_LIMIT_BYTES, refuseBadPagePost } from "@/lib/gateway/page-post-guard";

const FORM = "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--XX--\r\n";

function post(headers: Record<string, string>, body: BodyInit | null = FORM): Request {
  return new Request("http://shop.test/dashboard", { method: "POST", headers: { host: "shop.test", ...headers }, body, duplex: "half" } as RequestInit);
}

const code = async (request: Request) => (await refuseBadPagePost(request))?.code ?? "passes";

describe("refuseBadPagePost (posts to pages Next would answer with 500, refused first)", () => {
  it("lets through what Next does not treat as an action, and well-formed same-site form posts", async () => {
    expect(await code(new Request("http://shop.test/dashboard", { headers: { host: "shop.test", origin: "https://evil.test" } }))).toBe("passes");
    expect(await code(post({ "content-type": "application/x-www-form-urlencoded", origin: "https://evil.test" }, "a=b"))).toBe("passes");
    expect(await code(post({ "content-type": "application/json", origin: "https://evil.test" }, "{"))).toBe("passes");
    expect(await code(post({ "content-type": "multipart/form-data; boundary=XX" }))).toBe("passes");
    expect(await code(post({ "content-type": "multipart/form-data; boundary=XX", origin: "http://shop.test" }))).toBe("passes");
    expect(await code(post({ "next-action": "0123456789abcdef", "content-type": "text/plain;charset=UTF-8", origin: "https://shop.test" }, "[]"))).toBe("passes");
  });

  it("refuses a cross-site action with 403, comparing hosts as Next does", async () => {
    for (const origin of ["https://evil.test", "null", "%%%", "http://shop.test.evil.test", "http://shop.test:8080"]) {
      expect(await code(post({ "content-type": "multipart/form-data; boundary=XX", origin })), origin).toBe("forbidden");
      expect(await code(post({ "next-action": "0123456789abcdef", "content-type": "text/plain", origin }, "[]")), origin).toBe("forbidden");
    }
    // X-Forwarded-Host (first value) is what Next compares when present; Host otherwise.
    expect(await code(post({ "content-type": "multipart/form-data; boundary=XX", origin: "https://pay.example", "x-forwarded-host": "pay.example, shop.test" }))).toBe("passes");
    expect(await code(post({ "content-type": "multipart/form-data; boundary=XX", origin: "https://shop.test", "x-forwarded-host": "pay.example" }))).toBe("forbidden");
  });

  it("refuses a multipart body the platform cannot read with 400", async () => {
    for (const contentType of ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-datax; boundary=XX"]) {
      expect(await code(post({ "content-type": contentType })), contentType).toBe("bad_request");
    }
    expect(await code(post({ "content-type": "multipart/form-data; boundary=XX" }, "garbage"))).toBe("bad_request");
    expect(await code(post({ "content-type": "multipart/form-data; boundary=YY" }))).toBe("bad_request");
  });

  it("refuses a body over Next's limit with 413, by Content-Length or as read", async () => {
    const big = `--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\n${"a".repeat(ACTION_BODY_LIMIT_BYTES)}\r\n--XX--\r\n`;
    expect(await code(post({ "content-type": "multipart/form-data; boundary=XX", "content-length": String(ACTION_BODY_LIMIT_BYTES + 1) }, "x"))).toBe("payload_too_large");
    // Streamed without a length: read up to the limit, then refused.
    const stream = new Blob([big]).stream();
    expect(await code(post({ "content-type": "multipart/form-data; boundary=XX" }, stream))).toBe("payload_too_large");
    // At the limit exactly: read and parsed.
    const fits = FORM.replace("\r\nb\r\n", `\r\n${"b".repeat(ACTION_BODY_LIMIT_BYTES - FORM.length + 1)}\r\n`);
    expect(fits.length).toBe(ACTION_BODY_LIMIT_BYTES);
    expect(await code(post({ "content-type": "multipart/form-data; boundary=XX" }, fits))).toBe("passes");
  });

  it("leaves the request's own body for Next", async () => {
    const request = post({ "content-type": "multipart/form-data; boundary=XX" });
    expect(await code(request)).toBe("passes");
    expect(await request.text()).toBe(FORM);
  });

  it("never throws on arbitrary content types, origins and bodies (fuzz)", async () => {
    const header = fc.string({ unit: fc.constantFrom(..."multipart/form-data; boundary=\"XX\\ \t,aé\u0000"), maxLength: 60 }).map((s) => s.replace(/[\u0000\r\n]/g, ""));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(header, fc.constant("multipart/form-data; boundary=XX")),
        fc.option(fc.oneof(fc.constantFrom("null", "http://shop.test", "https://evil.test"), header), { nil: undefined }),
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        fc.oneof(fc.constant(FORM), fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 })),
        async (contentType, origin, action, body) => {
          const headers: Record<string, string> = { "content-type": contentType };
          if (origin !== undefined) headers.origin = origin;
          if (action !== undefined) headers["next-action"] = action.replace(/[^\x21-\x7e]/g, "");
          let request: Request;
          try {
            request = post(headers, body as BodyInit);
          } catch {
            return; // a header value the platform itself refuses never reaches a server
          }
          const refusal = await refuseBadPagePost(request);
          expect([undefined, "forbidden", "bad_request", "payload_too_large"]).toContain(refusal?.code);
        },
      ),
      { numRuns: 500 },
    );
  });
});
