/** Sends a signed sign-in message; returns null on success or a sentence to show. */
export async function postSignIn(body: { kind: "evm" | "solana"; message: string; signature: string }): Promise<string | null> {
  const res = await fetch("/api/auth/sign-in", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (res.ok) return null;
  const data = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (data.error?.code === "forbidden") return "This wallet is not a merchant of this Tollgate.";
  return data.error?.message ?? "Signing in failed; try again.";
}
