import { requireMerchant } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { errorResponse } from "@/lib/errors";
import { csvHeader, csvRows } from "@/lib/payments/csv";
import { iteratePayments, loadFilterChoices } from "@/lib/payments/data";
import { describeAssets } from "@/lib/payments/display";
import { parsePaymentFilter } from "@/lib/payments/schema";

export const dynamic = "force-dynamic";

// GET /dashboard/payments/export — the filtered payments as CSV, streamed in batches (flat memory); merchants only.
export async function GET(request: Request) {
  try {
    await requireMerchant();
    const filter = parsePaymentFilter(new URL(request.url).searchParams);
    const db = await getDb();
    const assets = await describeAssets((await loadFilterChoices(db)).assets);
    const batches = iteratePayments(db, filter);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(csvHeader()));
      },
      // Pull-based: the next batch is read only when the client has taken the last one.
      async pull(controller) {
        try {
          const next = await batches.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(csvRows(next.value, assets)));
        } catch (error) {
          console.error("[tollgate] CSV export failed mid-stream:", error);
          controller.error(error);
        }
      },
      async cancel() {
        await batches.return(undefined);
      },
    });
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
    return new Response(body, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="tollgate-payments-${stamp}.csv"`,
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return errorResponse(error, "GET /dashboard/payments/export");
  }
}
