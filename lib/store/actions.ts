"use server";

import { revalidatePath } from "next/cache";
import { actionFailure, invalidForm, type ActionResult } from "@/lib/action-result";
import { requireMerchant } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { saveStoreSettings, storeSettingsFormSchema } from "./settings";

/** Saves the store settings from the dashboard's form. */
export async function saveStoreSettingsAction(form: unknown): Promise<ActionResult> {
  try {
    await requireMerchant();
    const parsed = storeSettingsFormSchema.safeParse(form);
    if (!parsed.success) {
      return invalidForm(parsed.error);
    }
    await saveStoreSettings(await getDb(), parsed.data);
    revalidatePath("/dashboard/settings");
    return { ok: true };
  } catch (error) {
    return actionFailure(error, "store settings action");
  }
}
