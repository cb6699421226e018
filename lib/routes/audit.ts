/**
 * A route audit entry's before/after (RouteAudit.before/after, as lib/routes/mutations.ts writes
 * them) in words: one line per field that changed. Payment options are compared by position;
 * amounts are atomic units.
 */
export function describeRouteChange(before: unknown, after: unknown): string[] {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const lines: string[] = [];
  const show = (v: unknown) => (v === undefined || v === null ? "—" : typeof v === "string" ? v : JSON.stringify(v));
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (key === "paymentOptions") continue;
    if (JSON.stringify(b[key]) !== JSON.stringify(a[key])) lines.push(`${key}: ${show(b[key])} → ${show(a[key])}`);
  }
  const bo = Array.isArray(b.paymentOptions) ? (b.paymentOptions as Record<string, unknown>[]) : [];
  const ao = Array.isArray(a.paymentOptions) ? (a.paymentOptions as Record<string, unknown>[]) : [];
  for (let i = 0; i < Math.max(bo.length, ao.length); i++) {
    const was = bo[i];
    const now = ao[i];
    const option = (o: Record<string, unknown>) => `${show(o.amount)} atomic units of ${show(o.asset)} on ${show(o.network)} to ${show(o.payTo)}`;
    if (!was && now) lines.push(`payment option ${i + 1} added: ${option(now)}`);
    else if (was && !now) lines.push(`payment option ${i + 1} removed: ${option(was)}`);
    else if (was && now) {
      for (const key of new Set([...Object.keys(was), ...Object.keys(now)])) {
        if (JSON.stringify(was[key]) !== JSON.stringify(now[key])) lines.push(`payment option ${i + 1} ${key}: ${show(was[key])} → ${show(now[key])}`);
      }
    }
  }
  return lines;
}
