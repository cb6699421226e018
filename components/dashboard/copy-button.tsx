"use client";

import { useState } from "react";

/** A small "Copy" button for a value (address, transaction), named after what it copies. */
export function CopyButton({ value, what }: { value: string; what: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="ml-2 rounded border border-stone-300 px-1.5 py-0.5 align-middle font-sans text-xs text-stone-700 hover:bg-stone-100"
      aria-label={`Copy the ${what}`}
      onClick={() => void navigator.clipboard?.writeText(value).then(() => setCopied(true))}
    >
      {copied ? "Copied" : "Copy"}
    </button>
  );
}
