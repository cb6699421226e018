import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { storeSettingsFormSchema } from "@/lib/store/settings";

const valid = { name: "Shop", logoUrl: "", accentColor: "#B45309", supportUrl: "", defaultAccessWindowHours: 24 };

describe("store settings form", () => {
  it("accepts https links, site paths and mailto support, and lower-cases the colour", () => {
    expect(storeSettingsFormSchema.parse({ ...valid, logoUrl: "https://cdn.example/logo.png", supportUrl: "mailto:help@example.com" })).toMatchObject({ accentColor: "#b45309" });
    expect(storeSettingsFormSchema.parse({ ...valid, logoUrl: "/icon.svg", supportUrl: "/help" }).logoUrl).toBe("/icon.svg");
  });

  it.each([
    ["logoUrl", "javascript:alert(1)"],
    ["logoUrl", "data:image/svg+xml,<svg onload=alert(1)>"],
    ["logoUrl", "//evil.example/logo.png"],
    ["logoUrl", "http://evil.example/logo.png"],
    ["logoUrl", "mailto:a@b.c"],
    ["supportUrl", "javascript:alert(1)"],
    ["supportUrl", "/\\\\evil.example"],
    ["accentColor", "red; background:url(x)"],
    ["name", "x".repeat(81)],
  ])("refuses %s = %s", (key, value) => {
    expect(storeSettingsFormSchema.safeParse({ ...valid, [key]: value }).success).toBe(false);
  });

  it("fuzz: whatever is typed, an accepted link is https, loopback http, mailto (support only) or a same-site path", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.constantFrom("javascript:", "data:", "//", "/\\\\", "vbscript:")).chain((p) => fc.tuple(fc.constant(p), fc.string())), ([prefix, rest]) => {
        for (const key of ["logoUrl", "supportUrl"] as const) {
          const parsed = storeSettingsFormSchema.safeParse({ ...valid, [key]: prefix + rest });
          if (!parsed.success) continue;
          const link = parsed.data[key];
          if (link === "") continue;
          if (link.startsWith("/")) {
            expect(link.startsWith("//")).toBe(false);
            expect(link).not.toMatch(/[\s\\]/);
          } else {
            const protocol = new URL(link).protocol;
            expect(["https:", "http:", ...(key === "supportUrl" ? ["mailto:"] : [])]).toContain(protocol);
            if (protocol === "http:") expect(["localhost", "127.0.0.1"]).toContain(new URL(link).hostname);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("loadStoreSettings", () => {
  it("reads a hand-edited row through the form's checks: a bad field falls back to its default", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const { applyMigrations } = await import("@/lib/database/migrations");
    const { openDatabase } = await import("@/lib/database/client");
    const { loadStoreSettings, DEFAULT_STORE_SETTINGS } = await import("@/lib/store/settings");
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-store-"));
    const target = { kind: "pglite" as const, dataDir: path.join(tmp, "db") };
    await applyMigrations(target);
    const db = await openDatabase(target);
    try {
      expect(await loadStoreSettings(db.prisma)).toEqual(DEFAULT_STORE_SETTINGS);
      await db.prisma.storeSettings.create({ data: { id: 1, name: "Shop", logoUrl: "javascript:alert(1)", accentColor: "red;x:y", supportUrl: "mailto:a@b.example", defaultAccessWindowSeconds: 3600 } });
      expect(await loadStoreSettings(db.prisma)).toEqual({ name: "Shop", logoUrl: "", accentColor: DEFAULT_STORE_SETTINGS.accentColor, supportUrl: "mailto:a@b.example", defaultAccessWindowSeconds: 3600 });
    } finally {
      await db.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
