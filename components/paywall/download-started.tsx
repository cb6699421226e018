/**
 * In place of the pay button once a paid download has begun: the browser saves the file and the
 * paywall stays, so it says so, and links the same URL again (the access grant opens it, unpaid,
 * until the route's access window ends).
 */
export function DownloadStarted() {
  return (
    <div role="status" className="rounded-lg border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900" data-testid="paywall-downloaded">
      <p className="font-semibold">Paid: your download has started</p>
      <p className="mt-1">
        Check your downloads.{" "}
        <a className="font-medium underline" href={`${window.location.pathname}${window.location.search}`}>
          Download it again
        </a>{" "}
        without paying while your access lasts.
      </p>
    </div>
  );
}
