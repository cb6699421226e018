/**
 * A test file (built only with TOLLGATE_TEST_PAGES=1, see next.config.mjs): a download, as a
 * merchant sells one to browser visitors by pricing its path as a page.
 */
export function GET() {
  return new Response("TEST-FILE-CONTENT\n", {
    headers: { "content-type": "text/plain; charset=utf-8", "content-disposition": 'attachment; filename="test-file.txt"' },
  });
}
