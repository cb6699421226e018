export const dynamic = "force-dynamic";

/** Pause between events, in ms: long enough to watch them arrive one by one. */
const INTERVAL_MS = 400;

/** Each format's media type and framing: of tick `n` (its JSON), and of the end. */
const FORMATS = {
  sse: { contentType: "text/event-stream; charset=utf-8", tick: (n: number, json: string) => `id: ${n}\nevent: tick\ndata: ${json}\n\n`, end: "event: end\ndata: {}\n\n" },
  ndjson: { contentType: "application/x-ndjson", tick: (_n: number, json: string) => `${json}\n`, end: `${JSON.stringify({ end: true })}\n` },
} as const;

// GET /api/demo/stream?events=N[&format=ndjson] — a short market tape (1–20 ticks, default 5),
// one every 400 ms, as server-sent events or, with format=ndjson, as newline-delimited JSON (one
// tick a line, then {"end":true}); priced in the seeded demo (0.02 USDC). Tollgate settles once
// this handler's status and headers are in, then streams the ticks to the buyer as they are produced.
export function GET(request: Request) {
  const params = new URL(request.url).searchParams;
  const requested = Number(params.get("events") ?? 5);
  if (!Number.isInteger(requested) || requested < 1 || requested > 20) {
    return Response.json({ error: { code: "bad_request", message: "events must be a whole number from 1 to 20" } }, { status: 400 });
  }
  const format = params.get("format") ?? "sse";
  if (!Object.hasOwn(FORMATS, format)) {
    return Response.json({ error: { code: "bad_request", message: "format must be sse or ndjson" } }, { status: 400 });
  }
  const { contentType, tick: frameTick, end } = FORMATS[format as keyof typeof FORMATS];
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let price = 100;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let n = 0;
      const next = () => {
        n += 1;
        price = Math.round(price * (1 + (Math.sin(n * 1.7) * 0.02)) * 100) / 100;
        controller.enqueue(encoder.encode(frameTick(n, JSON.stringify({ n, of: requested, symbol: "X402", price, at: new Date().toISOString() }))));
        if (n >= requested) {
          controller.enqueue(encoder.encode(end));
          controller.close();
        } else {
          timer = setTimeout(next, INTERVAL_MS);
        }
      };
      next();
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store", "x-accel-buffering": "no" } });
}
