import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * Integration tests run the production server (`next start`), so the app must be built from the
 * current sources first, with the test pages (TOLLGATE_TEST_PAGES=1, next.config.mjs). `npm test`
 * builds; this only builds when no build exists (running `vitest` directly).
 */
export default function setup() {
  const root = path.resolve(import.meta.dirname, "../..");
  if (fs.existsSync(path.join(root, ".next/BUILD_ID"))) return;
  execFileSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", TOLLGATE_TEST_PAGES: "1" },
  });
}
