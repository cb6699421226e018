import { z } from "zod";
import { TollgateError, type ErrorCode } from "@/lib/errors";

/** What every dashboard action answers: never a thrown error (those would reach the client as 500s). */
export type ActionResult =
  | { ok: true; id?: string }
  | {
      ok: false;
      code: ErrorCode;
      message: string;
      fieldErrors?: Record<string, string>;
      /** Set when saving again with `acceptMissingTokenAccounts` would succeed: a warning, not an error. */
      confirm?: "missing_token_account";
    };

/** A failed action's answer: a TollgateError's code and message, anything else logged and told as "internal". */
export function actionFailure(error: unknown, context: string): ActionResult {
  if (error instanceof TollgateError) return { ok: false, code: error.code, message: error.message };
  console.error(`[tollgate] ${context} failed:`, error);
  return { ok: false, code: "internal", message: "Something went wrong; nothing was changed" };
}

/**
 * The answer to a form that failed its schema: 400-style `bad_request` with one message per field
 * (dotted path, e.g. "options.0.price"; "form" for the form as a whole).
 */
export function invalidForm(error: z.ZodError): ActionResult {
  return { ok: false, code: "bad_request", message: "Some fields need attention", fieldErrors: Object.fromEntries(error.issues.map((i) => [i.path.join(".") || "form", i.message])) };
}

const recordId = z.string().min(1).max(100);

/**
 * An id an action received from the browser (anything may arrive there).
 * @throws TollgateError bad_request when it is not a short string.
 */
export function actionId(value: unknown): string {
  const parsed = recordId.safeParse(value);
  if (!parsed.success) throw new TollgateError("bad_request", "Not a record id");
  return parsed.data;
}
