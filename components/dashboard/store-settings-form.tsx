"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { saveStoreSettingsAction } from "@/lib/store/actions";
import type { StoreSettingsForm as Form } from "@/lib/store/settings";

const field = "mt-1 w-full rounded border border-stone-300 bg-white px-2 py-1.5 text-sm";
const label = "block text-xs font-medium text-stone-600";

/** The store's name, logo, accent colour, support link and default access window. */
export function StoreSettingsForm({ initial }: { initial: Form }) {
  const router = useRouter();
  const [form, setForm] = useState<Form>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [pending, startTransition] = useTransition();
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const error = (key: keyof Form) =>
    errors[key] ? (
      <p id={`${key}-error`} className="mt-1 text-xs text-red-800">
        {errors[key]}
      </p>
    ) : null;

  return (
    <form
      className="max-w-2xl space-y-4 rounded-xl border border-stone-200 bg-white p-4"
      onSubmit={(e) => {
        e.preventDefault();
        setMessage(null);
        startTransition(async () => {
          const result = await saveStoreSettingsAction(form);
          setErrors(result.ok ? {} : (result.fieldErrors ?? {}));
          setMessage(result.ok ? { ok: true, text: "Saved: the paywall shows it from the next visit" } : { ok: false, text: result.message });
          if (result.ok) router.refresh();
        });
      }}
    >
      <label className={label}>
        Store name
        <input className={field} value={form.name} maxLength={80} onChange={(e) => set("name", e.target.value)} placeholder="The Reading Room" aria-invalid={Boolean(errors.name)} />
      </label>
      {error("name")}
      <label className={label}>
        Logo URL (optional)
        <input className={`${field} font-mono`} value={form.logoUrl} onChange={(e) => set("logoUrl", e.target.value)} placeholder="https://example.com/logo.svg or /icon.svg" aria-invalid={Boolean(errors.logoUrl)} />
      </label>
      {error("logoUrl")}
      <div>
        <label className={label} htmlFor="store-accent">
          Accent colour
        </label>
        <span className="mt-1 flex items-center gap-2">
          <input type="color" aria-label="Accent colour picker" value={form.accentColor} onChange={(e) => set("accentColor", e.target.value)} className="h-9 w-12 rounded border border-stone-300" />
          <input id="store-accent" className={`${field} mt-0 max-w-32 font-mono`} value={form.accentColor} onChange={(e) => set("accentColor", e.target.value)} aria-invalid={Boolean(errors.accentColor)} />
        </span>
      </div>
      {error("accentColor")}
      <label className={label}>
        Support link (optional)
        <input className={`${field} font-mono`} value={form.supportUrl} onChange={(e) => set("supportUrl", e.target.value)} placeholder="https://example.com/help or mailto:help@example.com" aria-invalid={Boolean(errors.supportUrl)} />
      </label>
      {error("supportUrl")}
      <label className={label}>
        Default access window for new pages (hours)
        <input className={`${field} block max-w-32`} type="number" min={0.02} step="any" value={form.defaultAccessWindowHours} onChange={(e) => set("defaultAccessWindowHours", e.target.valueAsNumber)} aria-invalid={Boolean(errors.defaultAccessWindowHours)} />
      </label>
      {error("defaultAccessWindowHours")}
      <div className="flex items-center gap-3">
        <button type="submit" disabled={pending} className="rounded-lg bg-stone-900 px-4 py-2 text-sm font-semibold text-white disabled:opacity-60">
          Save settings
        </button>
        {message && (
          <span role={message.ok ? "status" : "alert"} className={`text-sm ${message.ok ? "text-emerald-800" : "text-red-800"}`}>
            {message.text}
          </span>
        )}
      </div>
    </form>
  );
}
