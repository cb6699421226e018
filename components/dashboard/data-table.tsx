/** A column: its label, or label and classes (e.g. "hidden md:table-cell" for a column phones skip). */
export type Column = string | { label: string; className: string };

/**
 * The dashboard's tables: a scrollable card with a header row of `columns` (an empty string for
 * an unlabelled column, e.g. row actions) and the caller's rows as children.
 */
export function DataTable({ columns, className = "mt-6", children }: { columns: Column[]; className?: string; children: React.ReactNode }) {
  return (
    <div className={`${className} overflow-x-auto rounded-xl border border-stone-200 bg-white`}>
      <table className="w-full text-left text-sm">
        <thead className="border-b border-stone-200 bg-stone-50 text-xs uppercase tracking-wide text-stone-600">
          <tr>
            {columns.map((c, i) => (
              <th key={i} className={`px-3 py-2 ${typeof c === "string" ? "" : c.className}`}>
                {typeof c === "string" ? c : c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
