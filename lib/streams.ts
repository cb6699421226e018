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
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
