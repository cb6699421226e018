export const dynamic = "force-dynamic";

const CHUNK = new Uint8Array(64 * 1024).fill(0x2e);
/** Largest file this demo generates, in MiB. */
const MAX_MIB = 128;

// GET /api/demo/download?mib=N — a generated file of N MiB (1–128, default 1), produced chunk by
// chunk as the client reads it; free in the seed (price it from the dashboard to try, or see
// `npm run bench:stream`, which pays for 100 MiB and watches the server's memory).
export function GET(request: Request) {
  const mib = Number(new URL(request.url).searchParams.get("mib") ?? 1);
  if (!Number.isInteger(mib) || mib < 1 || mib > MAX_MIB) {
    return Response.json({ error: { code: "bad_request", message: `mib must be a whole number from 1 to ${MAX_MIB}` } }, { status: 400 });
  }
  const chunks = (mib * 1024 * 1024) / CHUNK.byteLength;
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(CHUNK.slice());
      if (++sent >= chunks) controller.close();
    },
  });
  return new Response(body, {
    headers: { "content-type": "application/octet-stream", "content-length": String(mib * 1024 * 1024), "content-disposition": `attachment; filename="demo-${mib}mib.bin"` },
  });
}
