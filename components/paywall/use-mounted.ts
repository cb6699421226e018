"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False during SSR and hydration, true after. Wallet lists come from the browser (EIP-6963
 * announcements, extensions), so rendering them before mount breaks hydration (React #418).
 */
export function useMounted(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
