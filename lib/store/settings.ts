import { z } from "zod";
import { databaseUnreachable } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from "@/lib/text";

/** The store as buyers see it on the paywall. */
export type StoreSettings = {
  /** Empty: the paywall names the site by its host. */
  name: string;
  logoUrl: string;
  /** #rrggbb. */
  accentColor: string;
  supportUrl: string;
  /** Seconds. */
  defaultAccessWindowSeconds: number;
};

export const DEFAULT_STORE_SETTINGS: StoreSettings = { name: "", logoUrl: "", accentColor: "#b45309", supportUrl: "", defaultAccessWindowSeconds: 86_400 };

/** A link a buyer may follow: https (or http to localhost), or a path on this site; nothing else (no javascript:, no data:). */
const safeLink = (allowMailto: boolean) =>
  z
    .string()
    .trim()
    .max(500, "At most 500 characters")
    .refine((value) => {
      if (value === "") return true;
      if (/^\/(?!\/)[^\s\\]*$/.test(value)) return true; // a path on this site, not protocol-relative
      try {
        const url = new URL(value);
        if (allowMailto && url.protocol === "mailto:") return true;
        return url.protocol === "https:" || (url.protocol === "http:" && ["localhost", "127.0.0.1"].includes(url.hostname));
      } catch {
        return false;
      }
    }, allowMailto ? "Enter an https:// link, a mailto: address, or a path on this site such as /help" : "Enter an https:// link or a path on this site such as /logo.svg");

/** The store settings form (dashboard), checked at the edge. */
export const storeSettingsFormSchema = z.strictObject({
  name: z.string().trim().max(80, "At most 80 characters").refine((v) => isStorableText(v), UNSTORABLE_TEXT_MESSAGE),
  logoUrl: safeLink(false),
  accentColor: z.string().regex(/^#[0-9a-fA-F]{6}$/, "Enter a colour as #rrggbb").transform((c) => c.toLowerCase()),
  supportUrl: safeLink(true),
  defaultAccessWindowHours: z.number({ error: "Enter a number of hours" }).min(1 / 60, "At least one minute").max(8760, "At most a year"),
});
export type StoreSettingsForm = z.input<typeof storeSettingsFormSchema>;

/**
 * The store settings, or the defaults before the merchant saved any. Read back through the same
 * checks as the form (a hand-edited row cannot put a `javascript:` link or a CSS string on the
 * paywall): a field that fails them falls back to its default.
 */
export async function loadStoreSettings(db: PrismaClient): Promise<StoreSettings> {
  const row = await db.storeSettings.findUnique({ where: { id: 1 } });
  if (!row) return DEFAULT_STORE_SETTINGS;
  const field = <K extends "name" | "logoUrl" | "accentColor" | "supportUrl">(key: K): StoreSettings[K] => {
    const parsed = storeSettingsFormSchema.shape[key].safeParse(row[key]);
    return parsed.success ? (parsed.data as StoreSettings[K]) : DEFAULT_STORE_SETTINGS[key];
  };
  return { name: field("name"), logoUrl: field("logoUrl"), accentColor: field("accentColor"), supportUrl: field("supportUrl"), defaultAccessWindowSeconds: row.defaultAccessWindowSeconds };
}

const LAST_READ = Symbol.for("tollgate.storeSettings.lastRead");
type LastRead = { [LAST_READ]?: StoreSettings };

/**
 * The store settings for what buyers and agents see (the home page, the paywall, the discovery
 * catalog), which must not fail while the database is briefly out of reach: read through
 * `loadStoreSettings` with `db`, and kept process-wide (on globalThis: the proxy, the pages and
 * the handlers are separate bundles); when the read fails, the copy last read, else the defaults.
 * Never throws; a failure other than the database out of reach is logged. The dashboard reads `loadStoreSettings` itself: a merchant editing the settings
 * must see what is stored, not a copy.
 */
export async function storeSettingsOrLastKnown(db: () => Promise<PrismaClient>): Promise<StoreSettings> {
  const holder = globalThis as LastRead;
  try {
    const settings = await loadStoreSettings(await db());
    holder[LAST_READ] = settings;
    return settings;
  } catch (error) {
    if (!databaseUnreachable(error)) console.error("[tollgate] store settings could not be read; serving them as last read:", error);
    return holder[LAST_READ] ?? DEFAULT_STORE_SETTINGS;
  }
}

/**
 * Saves the store settings from a parsed form.
 * @param form the output of `storeSettingsFormSchema` (hours converted to seconds here).
 */
export async function saveStoreSettings(db: PrismaClient, form: z.output<typeof storeSettingsFormSchema>): Promise<void> {
  const data = { name: form.name, logoUrl: form.logoUrl, accentColor: form.accentColor, supportUrl: form.supportUrl, defaultAccessWindowSeconds: Math.round(form.defaultAccessWindowHours * 3600) };
  await db.storeSettings.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data });
}
