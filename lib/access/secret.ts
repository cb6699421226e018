import { createHmac, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

/** What a derived key signs. Each purpose gets its own key, so a token of one is never valid as the other. */
export type KeyPurpose = "grant" | "session" | "upstream" | "siwx";

const g = globalThis as typeof globalThis & { __tollgateKeys?: Map<KeyPurpose, Uint8Array> };

/** Where development keeps its generated secret, so grants and sessions survive restarts. */
const DEV_SECRET_FILE = path.resolve(process.cwd(), ".data/auth-secret");

function rootSecret(): string {
  const configured = env().authSecret;
  if (configured) return configured;
  if (!fs.existsSync(DEV_SECRET_FILE)) {
    fs.mkdirSync(path.dirname(DEV_SECRET_FILE), { recursive: true });
    fs.writeFileSync(DEV_SECRET_FILE, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  return fs.readFileSync(DEV_SECRET_FILE, "utf8").trim();
}

/**
 * The HS256 key for one purpose: HMAC-SHA256(AUTH_SECRET, "tollgate/<purpose>/v1"). AUTH_SECRET
 * is required in production; outside production a random one is generated once into
 * .data/auth-secret.
 */
export function signingKey(purpose: KeyPurpose): Uint8Array {
  const keys = (g.__tollgateKeys ??= new Map());
  let key = keys.get(purpose);
  if (!key) {
    key = deriveKey(rootSecret(), purpose);
    keys.set(purpose, key);
  }
  return key;
}

/** The key for `purpose` under the root secret `authSecret`: HMAC-SHA256(AUTH_SECRET, "tollgate/<purpose>/v1"). */
export function deriveKey(authSecret: string, purpose: KeyPurpose): Uint8Array {
  return new Uint8Array(createHmac("sha256", authSecret).update(`tollgate/${purpose}/v1`).digest());
}
