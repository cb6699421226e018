import type { PaywallProblem } from "@/lib/paywall/messages";

/** A problem, said plainly, with a way to try again. */
export function ProblemNotice({ problem, onRetry }: { problem: PaywallProblem; onRetry?: () => void }) {
  return (
    <div role="alert" className="mt-4 rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-900">
      <p className="font-semibold">{problem.title}</p>
      <p className="mt-1">{problem.detail}</p>
      {problem.retry && onRetry && (
        <button type="button" onClick={onRetry} className="mt-3 rounded-md border border-red-300 bg-white px-3 py-1.5 font-medium hover:bg-red-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-red-500">
          Try again
        </button>
      )}
    </div>
  );
}
