export const dynamic = "force-dynamic";

/** Pause between events, in ms: long enough to watch them arrive one by one. */
const INTERVAL_MS = 400;

// GET /api/demo/stream?events=N — a short market tape as server-sent events (1–20, default 5),
// one every 400 ms; priced in the seeded demo (0.02 USDC). Tollgate settles once this handler's
// status and headers are in, then streams the events to the buyer as they are produced.
export function GET(request: Request) {
  const requested = Number(new URL(request.url).searchParams.get("events") ?? 5);
  if (!Number.isInteger(requested) || requested < 1 || requested > 20) {
    return Response.json({ error: { code: "bad_request", message: "events must be a whole number from 1 to 20" } }, { status: 400 });
  }
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let price = 100;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let n = 0;
      const tick = () => {
        n += 1;
        price = Math.round(price * (1 + (Math.sin(n * 1.7) * 0.02)) * 100) / 100;
        controller.enqueue(encoder.encode(`id: ${n}\nevent: tick\ndata: ${JSON.stringify({ n, of: requested, symbol: "X402", price, at: new Date().toISOString() })}\n\n`));
        if (n >= requested) {
          controller.enqueue(encoder.encode("event: end\ndata: {}\n\n"));
          controller.close();
        } else {
          timer = setTimeout(tick, INTERVAL_MS);
        }
      };
      tick();
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" } });
}
