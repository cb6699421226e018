import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TollgateError } from "@/lib/errors";

const CONFIGURED = ["https://pay.example.com", "https://www.example.com"];

describe("configured origins against hostile headers", () => {
  let mod: typeof import("@/lib/public-origin");
  const load = async (trust: boolean) => {
    vi.resetModules();
    vi.stubEnv("PUBLIC_URL", CONFIGURED[0]!);
    vi.stubEnv("PUBLIC_ORIGINS", CONFIGURED[1]!);
    vi.stubEnv("TRUST_PROXY_HEADERS", trust ? "true" : "false");
    mod = await import("@/lib/public-origin");
  };
  beforeEach(() => load(false));
  afterEach(() => vi.unstubAllEnvs());

  /** Header values an attacker would pick: configured ones, near misses, junk. */
  const hostile = fc.oneof(
    fc.constantFrom(...CONFIGURED, "null", "", "https://pay.example.com.evil.example", "https://PAY.example.com", "https://pay.example.com:443", "http://pay.example.com", "https://evil.example", "javascript:alert(1)", "https://pay.example.com/", "https://pay.example.com@evil.example"),
    fc.webUrl(),
    fc.string({ unit: "binary-ascii", maxLength: 80 }),
  );

  it("accepts as Origin exactly the configured origins (by URL origin), and refuses everything else with 403", () => {
    fc.assert(
      fc.property(hostile, (origin) => {
        const headers = new Headers();
        try {
          headers.set("origin", origin);
        } catch {
          return; // not a header value a client could send
        }
        let accepted: string | null = null;
        try {
          accepted = mod.assertAllowedOrigin(headers);
        } catch (error) {
          // (a TollgateError of the freshly loaded module: compare by name and status)
          expect((error as TollgateError).name).toBe("TollgateError");
          expect((error as TollgateError).status).toBe(403);
        }
        if (accepted !== null) expect(CONFIGURED).toContain(accepted);
      }),
      { numRuns: 3000 },
    );
  });

  it.each([false, true])("never answers a request with an origin that is not configured (trusted proxy: %s)", async (trust) => {
    await load(trust);
    fc.assert(
      fc.property(hostile, hostile, hostile, (host, forwardedHost, forwardedProto) => {
        const headers = new Headers();
        for (const [name, value] of [["host", host], ["x-forwarded-host", forwardedHost], ["x-forwarded-proto", forwardedProto]] as const) {
          try {
            headers.set(name, value);
          } catch {
            // not a header value a client could send
          }
        }
        expect(CONFIGURED).toContain(mod.publicOriginOf(headers, "http://127.0.0.1:3000/x"));
      }),
      { numRuns: 3000 },
    );
  });
});
