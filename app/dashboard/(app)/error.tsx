"use client";

import { useRouter } from "next/navigation";
import { useTransition } from "react";

/**
 * What a dashboard page shows when it could not be rendered (its data could not be read: the
 * database out of reach, most often), inside the dashboard's header and navigation: what
 * happened in words, a "Try again" that renders the page anew, and the digest that names the
 * error in the server's log. Nothing from the error itself is shown (Next sends only its digest).
 */
export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  const [retrying, startRetry] = useTransition();
  return (
    <div role="alert" className="max-w-xl rounded-xl border border-amber-200 bg-white p-6">
      <h1 className="text-xl font-bold">This page could not be loaded</h1>
      <p className="mt-2 text-stone-600">
        Tollgate could not read what this page shows, most likely because its database is unreachable just now. Payments already recorded are
        safe, and none is lost while the page is down.
      </p>
      <button
        type="button"
        disabled={retrying}
        onClick={() =>
          startRetry(() => {
            router.refresh();
            reset();
          })
        }
        className="mt-5 rounded-lg bg-stone-900 px-4 py-2 text-sm font-semibold text-white hover:bg-stone-800 disabled:opacity-60"
      >
        {retrying ? "Trying again…" : "Try again"}
      </button>
      {error.digest ? <p className="mt-4 font-mono text-xs text-stone-500">Reference for the server log: {error.digest}</p> : null}
    </div>
  );
}
