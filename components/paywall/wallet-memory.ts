const KEY = "tollgate:wallet";

/** Whether this browser connected an EVM wallet on a paywall before (so the next paywall reconnects it). */
export function rememberedWallet(): boolean {
  try {
    return window.localStorage.getItem(KEY) === "evm";
  } catch {
    return false;
  }
}

/** Remembers (or forgets, after a disconnect) that this browser connected an EVM wallet. */
export function rememberWallet(connected: boolean): void {
  try {
    if (connected) window.localStorage.setItem(KEY, "evm");
    else window.localStorage.removeItem(KEY);
  } catch {
    // storage blocked
  }
}
