import type { PaywallProblem } from "@/lib/paywall/messages";

/** A problem, said plainly, with a way to try again (amber while a payment is being confirmed: not an error yet). */
export function ProblemNotice({ problem, onRetry }: { problem: PaywallProblem; onRetry?: () => void }) {
  return (
    <div role="alert" className={`mt-4 rounded-lg border p-4 text-sm ${problem.pending ? "border-amber-300 bg-amber-50 text-amber-950" : "border-red-200 bg-red-50 text-red-900"}`}>
      <p className="font-semibold">{problem.title}</p>
      <p className="mt-1">{problem.detail}</p>
      {problem.retry && onRetry && (
        <button type="button" onClick={onRetry} className={`mt-3 rounded-md border bg-white px-3 py-1.5 font-medium focus:outline-none focus-visible:ring-2 ${problem.pending ? "border-amber-400 hover:bg-amber-100 focus-visible:ring-amber-600" : "border-red-300 hover:bg-red-100 focus-visible:ring-red-500"}`}>
          {problem.pending ? "Check again" : "Try again"}
        </button>
      )}
    </div>
  );
}
