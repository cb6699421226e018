"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { requireMerchant } from "@/lib/auth/current";
import { describeToken, hasTokenAccount } from "@/lib/chains/tokens";
import { getDb } from "@/lib/db";
import { actionFailure, actionId, invalidForm, type ActionResult } from "@/lib/action-result";
import { invalidateRoutes } from "@/lib/gateway/route-cache";
import { createPricedRoute, deletePricedRoute, setPricedRouteState, updatePricedRoute } from "./mutations";
import { payToProblem, priceToAtomic } from "./price";
import { discoveryFromForm, ROUTE_STATES, routeFormSchema, type PaymentOptionInput } from "./schema";

/** Any route change applies to the very next request in this process, and to other processes at their next revision check. */
function routesChanged() {
  invalidateRoutes();
  revalidatePath("/dashboard/routes");
}

/**
 * Creates (id null) or replaces a priced route from the editor's form: prices in human units are
 * converted with each token's decimals (read from @x402/evm's table or the chain), payTo is
 * checked per network, and EVM options carry the token's EIP-712 domain in `extra`.
 */
export async function saveRouteAction(id: string | null, form: unknown): Promise<ActionResult> {
  try {
    const merchant = await requireMerchant();
    const parsed = routeFormSchema.safeParse(form);
    if (!parsed.success) return invalidForm(parsed.error);
    const route = parsed.data;
    const fieldErrors: Record<string, string> = {};
    const paymentOptions: PaymentOptionInput[] = [];
    let missingTokenAccount = false;
    const { discovery, fieldErrors: discoveryErrors } = route.kind === "api" ? discoveryFromForm(route.discovery, ["*", "POST", "PUT", "PATCH"].includes(route.method)) : { discovery: null, fieldErrors: {} };
    Object.assign(fieldErrors, discoveryErrors);
    for (const [i, option] of route.options.entries()) {
      const payTo = payToProblem(option.network, option.payTo);
      if (payTo) fieldErrors[`options.${i}.payTo`] = payTo;
      const token = await describeToken(option.network, option.asset);
      if (!token) {
        fieldErrors[`options.${i}.asset`] = option.network.startsWith("solana:")
          ? `Could not read this mint on ${option.network}: is it an SPL token mint there (and SOLANA_RPC_URLS set for the network)?`
          : `Could not read this token on ${option.network}: is it an EIP-3009 token on that network?`;
        continue;
      }
      if (!payTo && option.network.startsWith("solana:") && !route.acceptMissingTokenAccounts && (await hasTokenAccount(option.network, option.payTo, token.address)) === false) {
        fieldErrors[`options.${i}.payTo`] = `This wallet has no ${token.symbol} token account yet: payments to it would fail. Create the account first, or save anyway.`;
        missingTokenAccount = true;
      }
      let amount: string;
      try {
        amount = priceToAtomic(option.price, token.decimals);
      } catch (error) {
        fieldErrors[`options.${i}.price`] = (error as Error).message;
        continue;
      }
      paymentOptions.push({
        scheme: "exact",
        network: option.network,
        asset: token.address,
        amount,
        payTo: option.payTo,
        extra: token.eip712 ? { name: token.eip712.name, version: token.eip712.version } : {},
        maxTimeoutSeconds: option.maxTimeoutSeconds,
      });
    }
    if (Object.keys(fieldErrors).length) {
      // Only the token-account warning left: the merchant may confirm and save anyway.
      const onlyWarnings = missingTokenAccount && Object.values(fieldErrors).every((m) => m.includes("token account yet"));
      return { ok: false, code: "bad_request", message: "Some fields need attention", fieldErrors, ...(onlyWarnings ? { confirm: "missing_token_account" as const } : {}) };
    }
    const input = {
      method: route.method,
      pathPattern: route.pathPattern,
      kind: route.kind,
      description: route.description,
      mimeType: route.mimeType,
      accessWindowSeconds: Math.round(route.accessWindowHours * 3600),
      paymentIdentifier: route.paymentIdentifier,
      discovery,
      settleAfterComplete: route.settleAfterComplete ?? false,
      siwxAccess: route.kind === "api" && (route.siwxAccess ?? false),
      freeQuota: route.kind === "api" ? (route.freeQuota ?? 0) : 0,
      freeQuotaWindowSeconds: Math.round((route.freeQuotaWindowHours ?? 24) * 3600),
      state: route.state,
      paymentOptions,
    };
    const db = await getDb();
    const savedId = id ? (await updatePricedRoute(db, actionId(id), input, merchant.address), id) : await createPricedRoute(db, input, merchant.address);
    routesChanged();
    return { ok: true, id: savedId };
  } catch (error) {
    return actionFailure(error, "dashboard action");
  }
}

/** Sets a route's state: charging, free (served to everyone) or blocked (served to nobody). */
export async function setRouteStateAction(id: string, state: string): Promise<ActionResult> {
  try {
    const merchant = await requireMerchant();
    const parsed = z.enum(ROUTE_STATES).safeParse(state);
    if (!parsed.success) return { ok: false, code: "bad_request", message: `A route's state is one of ${ROUTE_STATES.join(", ")}` };
    await setPricedRouteState(await getDb(), actionId(id), parsed.data, merchant.address);
    routesChanged();
    return { ok: true, id };
  } catch (error) {
    return actionFailure(error, "dashboard action");
  }
}

/** Deletes a route; its recorded payments stay. */
export async function deleteRouteAction(id: string): Promise<ActionResult> {
  try {
    const merchant = await requireMerchant();
    await deletePricedRoute(await getDb(), actionId(id), merchant.address);
    routesChanged();
    return { ok: true };
  } catch (error) {
    return actionFailure(error, "dashboard action");
  }
}
