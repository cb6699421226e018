import { errorResponse, TollgateError } from "@/lib/errors";
import { getOfferReceiptSigner } from "@/lib/gateway/x402-server";
import { didDocument } from "@/lib/x402/offer-receipt";

export const dynamic = "force-dynamic";

// GET /.well-known/did.json — the did:web document naming the key that signs offers and receipts; free. 404 without OFFER_RECEIPT_PRIVATE_KEY.
export function GET() {
  try {
    const signer = getOfferReceiptSigner();
    if (!signer) throw new TollgateError("not_found", "This server signs no offers or receipts");
    return Response.json(didDocument(signer.identity), {
      headers: { "content-type": "application/did+json", "access-control-allow-origin": "*", "cache-control": "public, max-age=300" },
    });
  } catch (error) {
    return errorResponse(error, "GET /.well-known/did.json");
  }
}
