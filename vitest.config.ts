import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = {
  "@": path.resolve(import.meta.dirname),
  "server-only": path.resolve(import.meta.dirname, "tests/support/empty.ts"),
};

export default defineConfig({
  resolve: { alias },
  test: {
    // A non-UTC zone, so code that assumes UTC fails here rather than in production.
    env: { TZ: "America/Los_Angeles" },
    projects: [
      {
        resolve: { alias },
        // Generous timeout: some unit tests open PGlite, which takes seconds on a busy 2-core box
        // while the integration project runs beside them. Tests wait for conditions, not time.
        // Hooks too: a beforeAll that migrates a fresh PGlite took over Vitest's default 10 s there.
        test: { name: "unit", include: ["tests/unit/**/*.test.ts"], env: { TZ: "America/Los_Angeles" }, testTimeout: 60_000, hookTimeout: 60_000 },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          env: { TZ: "America/Los_Angeles" },
          globalSetup: ["tests/support/build-app.ts"],
          fileParallelism: false,
          hookTimeout: 240_000,
          testTimeout: 60_000,
        },
      },
    ],
  },
});
