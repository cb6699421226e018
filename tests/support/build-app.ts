import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * Integration tests run the production server (`next start`), so the app must be built from the
 * current sources first. `npm test` builds; this only builds when no build exists (running
 * `vitest` directly), and SKIP_BUILD=1 trusts whatever build is there.
 */
export default function setup() {
  const root = path.resolve(import.meta.dirname, "../..");
  if (fs.existsSync(path.join(root, ".next/BUILD_ID"))) return;
  execFileSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
}
