"use client";

import { useState } from "react";

const SMALL = "ml-2 rounded border border-stone-300 px-1.5 py-0.5 align-middle font-sans text-xs text-stone-700 hover:bg-stone-100";

/**
 * A "Copy" button for a value (address, transaction, secret), named for screen readers after what
 * it copies; says "Copied" once done. Small by default; `className` replaces the look.
 */
export function CopyButton({ value, what, className = SMALL }: { value: string; what: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className={className}
      aria-label={`Copy the ${what}`}
      onClick={() => void navigator.clipboard?.writeText(value).then(() => setCopied(true))}
    >
      {copied ? "Copied" : "Copy"}
    </button>
  );
}
