/**
 * What the edge schemas accept, the database stores: typed text (any characters, control
 * characters and NUL included) goes through each form's schema, and whatever is accepted is
 * written with the real mutation into a real database (PGlite, the same PostgreSQL grammar as
 * production). A refused value is a field error for the merchant, never a database error (500, or
 * "something went wrong").
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { upsertPricedRoute } from "@/lib/routes/mutations";
import { discoveryFromForm, routeFormSchema } from "@/lib/routes/schema";
import { saveStoreSettings, storeSettingsFormSchema } from "@/lib/store/settings";
import { createEndpoint } from "@/lib/webhooks/mutations";
import { endpointFormSchema } from "@/lib/webhooks/schema";
import { usePglite } from "../support/pglite";

const database = usePglite("storable");

/** Anything a form field may receive: printable text, control characters, NUL, lone surrogates. */
const typed = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.constantFrom("a", " ", "\u0000", "\t", "\n", "\r", "\u0007", "\u007f", "é", "\ud800"), maxLength: 20 }),
);

const option = { network: "eip155:84532", scheme: "exact", asset: "0x1111111111111111111111111111111111111111", amount: "10000", payTo: "0x3333333333333333333333333333333333333333", maxTimeoutSeconds: 300, extra: {} };

describe("typed text the schemas accept is stored", () => {
  it("route description and content type", async () => {
    let i = 0;
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(typed, typed, async (description, mimeType) => {
        const form = routeFormSchema.shape.description.safeParse(description);
        const mime = routeFormSchema.shape.mimeType.safeParse(mimeType);
        if (!form.success || !mime.success) return;
        await upsertPricedRoute(database().prisma, { method: "GET", pathPattern: `/typed/${i++}`, description: form.data, mimeType: mime.data, paymentOptions: [option] });
        stored++;
      }),
      { numRuns: 300 },
    );
    expect(stored).toBeGreaterThan(0); // the property ran against the database, not only against refusals
    // A NUL is refused with a field message, not stored.
    expect(routeFormSchema.shape.description.safeParse("a\u0000b").error?.issues[0]?.message).toBe("Remove the control characters (or broken Unicode)");
  });

  it("route discovery metadata (JSON typed into the editor)", async () => {
    let i = 0;
    let stored = 0;
    const json = fc.oneof(typed.map((t) => JSON.stringify({ text: t })), typed.map((t) => JSON.stringify({ [t]: 1 })), typed);
    await fc.assert(
      fc.asyncProperty(json, json, async (inputExample, outputExample) => {
        const { discovery } = discoveryFromForm({ inputExample, inputSchema: "", outputExample, outputSchema: "", bodyType: "json" }, false);
        if (!discovery) return;
        await upsertPricedRoute(database().prisma, { method: "GET", pathPattern: `/discovered/${i++}`, discovery, paymentOptions: [option] });
        stored++;
      }),
      { numRuns: 300 },
    );
    expect(stored).toBeGreaterThan(0);
    expect(discoveryFromForm({ inputExample: '{"a":"\\u0000"}', inputSchema: "", outputExample: "", outputSchema: "", bodyType: "json" }, false).discovery).toBeNull();
  });

  it("store name", async () => {
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(typed, async (name) => {
        const form = storeSettingsFormSchema.safeParse({ name, logoUrl: "", accentColor: "#112233", supportUrl: "", defaultAccessWindowHours: 24 });
        if (form.success) await saveStoreSettings(database().prisma, form.data).then(() => stored++);
      }),
      { numRuns: 200 },
    );
    expect(stored).toBeGreaterThan(0);
  });

  it("webhook endpoint URL and description", async () => {
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(typed, typed, async (url, description) => {
        const form = endpointFormSchema.safeParse({ url: `https://hooks.example/${url}`, description, events: ["payment.settled"] });
        if (form.success) await createEndpoint(database().prisma, form.data).then(() => stored++);
      }),
      { numRuns: 200 },
    );
    expect(stored).toBeGreaterThan(0);
  });
});
