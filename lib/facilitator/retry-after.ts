import { AsyncLocalStorage } from "node:async_hooks";

/** The longest wait passed on from a facilitator's Retry-After, in seconds: a longer one is cut to this. */
export const MAX_RETRY_AFTER_SECONDS = 300;

/** What a facilitator call's answers said about when to ask again: seconds, when one said so. */
export type RetryAfterNote = { seconds?: number };

const notes = new AsyncLocalStorage<RetryAfterNote>();

/**
 * Runs `call` (a facilitator verify or settle) noting the Retry-After of any "not now" answer
 * (429 or 503) it gets into `note`: the process's fetch dispatcher for facilitator origins
 * (lib/facilitator/response-limit.ts) reads the header, since @x402/core's HTTP client drops it
 * with the response.
 *
 * @returns what `call` returns; throws what it throws.
 */
export function notingRetryAfter<T>(note: RetryAfterNote, call: () => Promise<T>): Promise<T> {
  return notes.run(note, call);
}

/** The note of the facilitator call running in this async context, if any. */
export function currentRetryAfterNote(): RetryAfterNote | undefined {
  return notes.getStore();
}

/**
 * Reads a Retry-After header value (RFC 9110 §10.2.3: delay-seconds, or an HTTP-date) as whole
 * seconds from `now` (ms since the epoch), between 1 and MAX_RETRY_AFTER_SECONDS.
 *
 * @returns undefined for a value that is neither form.
 */
export function parseRetryAfter(value: string, now = Date.now()): number | undefined {
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d{1,12}$/.test(trimmed)) seconds = Number(trimmed);
  else {
    // An HTTP-date names its weekday and GMT; Date.parse alone would take far looser text.
    if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.ceil((at - now) / 1000);
  }
  return Math.min(Math.max(seconds, 1), MAX_RETRY_AFTER_SECONDS);
}
