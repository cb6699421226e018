/**
 * Text Tollgate stores must be storable as it is: no NUL (PostgreSQL's text and jsonb refuse
 * U+0000: the statement fails), no lone UTF-16 surrogate (jsonb refuses its escape; a text column
 * would silently store U+FFFD instead), and no other control characters but tab and line breaks
 * (never typed; they only hide what a field says).
 */
const MULTILINE_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const ANY_CONTROL = /[\u0000-\u001f\u007f]/;

/** What a form field refused by `isStorableText` says. */
export const UNSTORABLE_TEXT_MESSAGE = "Remove the control characters (or broken Unicode)";

/**
 * Whether `value` is storable text (above); one line unless `multiline` (then tabs and line breaks
 * are allowed too).
 */
export function isStorableText(value: string, { multiline = false }: { multiline?: boolean } = {}): boolean {
  return value.isWellFormed() && !(multiline ? MULTILINE_CONTROL : ANY_CONTROL).test(value);
}

/** Whether every string (and key) in `value`, any JSON value, can be stored in jsonb: no NUL, no lone surrogate. */
export function isStorableJson(value: unknown): boolean {
  if (typeof value === "string") return value.isWellFormed() && !value.includes("\u0000");
  if (Array.isArray(value)) return value.every(isStorableJson);
  if (value && typeof value === "object") return Object.entries(value).every(([k, v]) => isStorableJson(k) && isStorableJson(v));
  return true;
}
