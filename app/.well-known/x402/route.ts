import { env } from "@/lib/env";
import { errorResponse } from "@/lib/errors";
import { CATALOG_HEADERS, listPricedResources } from "@/lib/gateway/discovery";
import { getOfferReceiptSigner } from "@/lib/gateway/x402-server";
import { publicOriginOf } from "@/lib/public-origin";

export const dynamic = "force-dynamic";

function offerReceiptEntry() {
  const identity = getOfferReceiptSigner()?.identity;
  return identity ? { offerReceipt: identity } : {};
}

function builderCodeEntry() {
  const code = env().builderCode;
  return code ? { builderCode: code } : {};
}

// GET /.well-known/x402 — discovery: every priced route and what it accepts; free.
export async function GET(request: Request) {
  try {
    // A configured origin, never one a Host header made up (the answer is publicly cacheable).
    const origin = publicOriginOf(request.headers, request.url);
    const resources = await listPricedResources();
    return Response.json(
      // offerReceipt: the key that signs 402 offers and receipts, for verifiers to compare a recovered signer with.
      // bazaar: where the official bazaar client lists and searches the priced APIs (app/discovery/).
      // builderCode: the store's ERC-8021 code every 402 declares (the builder-code extension).
      { x402Version: 2, origin, ...offerReceiptEntry(), ...builderCodeEntry(), bazaar: { resources: `${origin}/discovery/resources`, search: `${origin}/discovery/search` }, resources },
      { headers: CATALOG_HEADERS },
    );
  } catch (error) {
    return errorResponse(error, "GET /.well-known/x402");
  }
}
