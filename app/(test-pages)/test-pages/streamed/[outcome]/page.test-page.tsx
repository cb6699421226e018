import { notFound } from "next/navigation";
import { connection } from "next/server";

/**
 * A test page (built only with TOLLGATE_TEST_PAGES=1, see next.config.mjs): it streams, and fails
 * as a merchant's page can once its status is sent. `ok` renders, `missing` calls notFound(),
 * `fails` throws.
 */
export default async function StreamedTestPage({ params }: { params: Promise<{ outcome: string }> }) {
  const { outcome } = await params;
  // Render at request time, after the shell (loading.test-page.tsx) has gone out.
  await connection();
  await new Promise((resolve) => setTimeout(resolve, 10));
  if (outcome === "missing") notFound();
  if (outcome === "fails") throw new Error("the streamed test page failed on purpose");
  return <p>STREAMED-TEST-PAGE-CONTENT</p>;
}
