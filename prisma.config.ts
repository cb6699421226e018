import path from "node:path";
import { defineConfig } from "prisma/config";

// The Prisma CLI downloads a native schema engine before most commands. That download is not
// possible offline and not needed here: `prisma generate` uses wasm, and migrations run through
// @prisma/schema-engine-wasm (scripts/db.ts). A stub engine makes the CLI skip the download.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(import.meta.dirname, "scripts/schema-engine-unavailable.sh");

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
