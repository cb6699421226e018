/**
 * The first `limit` bytes of a byte stream (all of it when shorter; the last chunk read may take
 * it past `limit`), then cancels the rest unread.
 *
 * @returns the bytes read, concatenated (empty for a null stream).
 * @throws the stream's error when it fails while being read.
 */
export async function readPrefix(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Not awaited: cancelling one branch of a tee'd stream (a cloned Request's body) settles only
    // once the other branch is cancelled too, which may be never.
    reader.cancel().catch(() => {});
  }
  return concatBytes(chunks, size);
}

/** What `bufferUpTo` read: the whole body, or a stream of all of it when it was too long or slow. */
export type Buffered = { whole: Uint8Array<ArrayBuffer> } | { stream: ReadableStream<Uint8Array> };

/**
 * Reads a byte stream whole if it ends within `limit` bytes (and before `deadline` aborts);
 * otherwise stops reading and hands on a stream that gives every byte: those read so far first,
 * then the rest as the original produces it.
 *
 * @param limit most bytes held whole; a body of exactly `limit` bytes is whole.
 * @param deadline when it aborts before the stream ended, reading stops there (a slow or
 *   endless body, e.g. server-sent events) and the stream is handed on.
 * @returns `{ whole }` (empty for a null stream), or `{ stream }`, whose cancel cancels the original.
 * @throws the stream's error when it fails while read here (the original is then cancelled).
 */
export async function bufferUpTo(stream: ReadableStream<Uint8Array> | null, limit: number, deadline?: AbortSignal): Promise<Buffered> {
  if (!stream) return { whole: new Uint8Array(0) };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  /** A read still under way when the deadline came: the handed-on stream takes its result first. */
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  const late = Symbol("late");
  const outOfTime = deadline && new Promise<typeof late>((resolve) => (deadline.aborted ? resolve(late) : deadline.addEventListener("abort", () => resolve(late), { once: true })));
  try {
    while (size <= limit) {
      pending = reader.read();
      const next = outOfTime ? await Promise.race([pending, outOfTime]) : await pending;
      if (next === late) break;
      pending = undefined;
      if (next.done) return { whole: concatBytes(chunks, size) };
      chunks.push(next.value);
      size += next.value.byteLength;
    }
  } catch (error) {
    reader.cancel(error).catch(() => {});
    throw error;
  }
  return {
    stream: new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const chunk = chunks.shift();
          if (chunk) return controller.enqueue(chunk);
          const read = pending ?? reader.read();
          pending = undefined;
          const { done, value } = await read;
          if (done) controller.close();
          else controller.enqueue(value);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    ),
  };
}

/** `chunks` joined into one array of `size` bytes. */
function concatBytes(chunks: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * Media types whose records are read as they arrive: server-sent events (WHATWG HTML §9.2),
 * JSON text sequences (RFC 7464), and newline-delimited JSON and JSON Lines under the names
 * servers send them with (neither has one registered name).
 */
const LIVE_FEED_TYPES = new Set(["text/event-stream", "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines", "application/json-seq"]);

/** Whether a response is a live feed: its media type in {@link LIVE_FEED_TYPES}, any case, any parameters. */
export function isLiveFeed(headers: Headers): boolean {
  return LIVE_FEED_TYPES.has((headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase());
}
