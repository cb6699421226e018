import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

const g = globalThis as typeof globalThis & { __tollgateGrantSecret?: Uint8Array };

/** Where development keeps its generated grant secret, so grants survive restarts. */
const DEV_SECRET_FILE = path.resolve(process.cwd(), ".data/grant-secret");

/**
 * The key that signs page access grants: GRANT_SECRET (required in production), or outside
 * production a random secret generated once into .data/grant-secret.
 */
export function grantSecret(): Uint8Array {
  if (g.__tollgateGrantSecret) return g.__tollgateGrantSecret;
  const configured = env().grantSecret;
  let secret: string;
  if (configured) {
    secret = configured;
  } else {
    if (!fs.existsSync(DEV_SECRET_FILE)) {
      fs.mkdirSync(path.dirname(DEV_SECRET_FILE), { recursive: true });
      fs.writeFileSync(DEV_SECRET_FILE, randomBytes(32).toString("base64url"), { mode: 0o600 });
    }
    secret = fs.readFileSync(DEV_SECRET_FILE, "utf8").trim();
  }
  g.__tollgateGrantSecret = new TextEncoder().encode(secret);
  return g.__tollgateGrantSecret;
}
