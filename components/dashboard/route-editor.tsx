"use client";

import { useRouter } from "next/navigation";
import { useMemo, useState, useTransition } from "react";
import { examplePaths, payToProblem } from "@/lib/routes/price";
import { saveRouteAction } from "@/lib/routes/actions";
import { ROUTE_STATE_COPY, ROUTE_STATES, type DiscoveryForm, type EditorNetwork, type RouteForm } from "@/lib/routes/schema";
import { confirmStateChange } from "./route-row-actions";
import { compilePathPattern, validatePathPattern } from "@/lib/x402/route-pattern";

type OptionState = RouteForm["options"][number] & { custom: boolean };

/** The MIME types the editor offers by name; anything else is "Other…". */
const MIME_TYPES = ["application/json", "text/html", "text/plain", "text/event-stream", "application/x-ndjson", "text/csv", "text/markdown", "application/octet-stream", "application/pdf", "image/png", "image/jpeg"];

const field = "mt-1 w-full rounded border border-stone-300 bg-white px-2 py-1.5 text-sm";
const label = "block text-xs font-medium text-stone-600";

/** Create or edit a priced route: method, pattern (with a live preview), kind, and payment options in human prices. */
export function RouteEditor({ id, initial, networks }: { id: string | null; initial: RouteForm; networks: EditorNetwork[] }) {
  const router = useRouter();
  const [form, setForm] = useState<RouteForm>(initial);
  const [options, setOptions] = useState<OptionState[]>(() =>
    initial.options.map((o) => ({ ...o, custom: !networks.find((n) => n.id === o.network)?.tokens.some((t) => t.address.toLowerCase() === o.asset.toLowerCase()) })),
  );
  const [tryPath, setTryPath] = useState("");
  const [mimeOther, setMimeOther] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState("");
  /** The server warned that a Solana payTo has no token account: the merchant may save anyway. */
  const [confirmMissing, setConfirmMissing] = useState(false);
  const [pending, startTransition] = useTransition();

  const [patternTouched, setPatternTouched] = useState(false);
  const patternProblems = validatePathPattern(form.pathPattern);
  // Problems show once the merchant typed in the field (or the server named them), not on a fresh form.
  const showPatternProblems = patternTouched && patternProblems.length > 0;
  const examples = useMemo(() => examplePaths(form.pathPattern), [form.pathPattern]);
  const tryResult = tryPath && patternProblems.length === 0 ? compilePathPattern(form.pathPattern).regex.test(tryPath) : null;

  const set = <K extends keyof RouteForm>(key: K, value: RouteForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const discovery: DiscoveryForm = form.discovery ?? { inputExample: "", inputSchema: "", bodyType: "json", outputExample: "", outputSchema: "" };
  const setDiscovery = (patch: Partial<DiscoveryForm>) => set("discovery", { ...discovery, ...patch });
  const queryMethod = ["GET", "DELETE"].includes(form.method);
  const setOption = (i: number, patch: Partial<OptionState>) => setOptions((os) => os.map((o, j) => (j === i ? { ...o, ...patch } : o)));
  const defaultNetwork = networks[0];

  function save(acceptMissingTokenAccounts = false) {
    setMessage("");
    startTransition(async () => {
      const result = await saveRouteAction(id, { ...form, acceptMissingTokenAccounts, options: options.map(({ custom: _custom, ...o }) => o) });
      if (result.ok) {
        router.push("/dashboard/routes");
        router.refresh();
      } else {
        setErrors(result.fieldErrors ?? {});
        setMessage(result.message);
        setConfirmMissing(result.confirm === "missing_token_account");
      }
    });
  }

  return (
    <form
      className="mt-6 space-y-6"
      onSubmit={(e) => {
        e.preventDefault();
        // Saving a charging route as free or blocked asks first, as the routes list does.
        if (!confirmStateChange(`${form.method} ${form.pathPattern}`, initial.state, form.state)) return;
        save();
      }}
    >
      <section className="grid gap-4 rounded-xl border border-stone-200 bg-white p-4 md:grid-cols-[8rem_1fr]">
        <label className={label}>
          Method
          <select aria-label="Method" className={field} value={form.method} onChange={(e) => set("method", e.target.value)}>
            {["GET", "POST", "PUT", "PATCH", "DELETE", "*"].map((m) => (
              <option key={m} value={m}>
                {m === "*" ? "Any" : m}
              </option>
            ))}
          </select>
        </label>
        <div>
          <label className={label}>
            Path pattern
            <input
              className={`${field} font-mono`}
              value={form.pathPattern}
              onChange={(e) => {
                setPatternTouched(true);
                set("pathPattern", e.target.value);
              }}
              placeholder="/api/items/:id"
              aria-invalid={showPatternProblems}
            />
          </label>
          <p className="mt-1 text-xs text-stone-600" data-testid="pattern-preview">
            {showPatternProblems ? (
              <span className="text-red-800">{patternProblems.join("; ")}</span>
            ) : patternProblems.length ? (
              <>Type the path to charge for, e.g. /api/items/:id or /articles/*</>
            ) : (
              <>Matches for example: {examples.map((p) => <code key={p} className="mr-2 rounded bg-stone-100 px-1">{p}</code>)}</>
            )}
          </p>
          <label className="mt-2 flex items-center gap-2 text-xs text-stone-600">
            Try a path
            <input className="rounded border border-stone-300 px-2 py-1 font-mono text-xs" value={tryPath} onChange={(e) => setTryPath(e.target.value)} placeholder="/api/items/42" />
            {tryResult !== null && <span className={tryResult ? "text-emerald-800" : "text-red-800"}>{tryResult ? "priced" : "not matched"}</span>}
          </label>
          {errors.pathPattern && <p className="mt-1 text-xs text-red-800">{errors.pathPattern}</p>}
        </div>
        <fieldset className="md:col-span-2">
          <legend className={label}>Kind</legend>
          <div className="mt-1 flex gap-4 text-sm">
            {(["api", "page"] as const).map((k) => (
              <label key={k} className="flex items-center gap-2">
                <input type="radio" name="kind" checked={form.kind === k} onChange={() => setForm((f) => ({ ...f, kind: k, mimeType: k === "page" ? "text/html" : "application/json" }))} />
                {k === "api" ? "API (agents, JSON)" : "Page (browser paywall)"}
              </label>
            ))}
          </div>
        </fieldset>
        <label className={`${label} md:col-span-2`}>
          Description (shown to buyers)
          <input className={field} value={form.description} onChange={(e) => set("description", e.target.value)} />
        </label>
        <label className={`${label} md:col-span-2`}>
          MIME type (what the route returns)
          <select
            className={`${field} block md:max-w-md`}
            value={MIME_TYPES.includes(form.mimeType) && !mimeOther ? form.mimeType : "other"}
            onChange={(e) => {
              setMimeOther(e.target.value === "other");
              if (e.target.value !== "other") set("mimeType", e.target.value);
            }}
          >
            {MIME_TYPES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
            <option value="other">Other…</option>
          </select>
          {(mimeOther || !MIME_TYPES.includes(form.mimeType)) && (
            <input className={`${field} font-mono block md:max-w-md`} aria-label="Other MIME type" value={form.mimeType} onChange={(e) => set("mimeType", e.target.value)} placeholder="application/vnd.example+json" />
          )}
        </label>
        {form.kind === "api" && (
          <label className="flex items-start gap-2 text-sm md:col-span-2">
            <input type="checkbox" className="mt-1" checked={form.siwxAccess ?? false} onChange={(e) => set("siwxAccess", e.target.checked)} />
            <span>
              Sell an access window: after one payment, the payer&apos;s wallet calls this route free for the window below, signing in with the x402 sign-in-with-x extension
            </span>
          </label>
        )}
        {form.kind === "api" && (
          <div className="grid grid-cols-2 gap-2 md:col-span-2">
            <label className={label}>
              Free calls per caller (0: none)
              <input className={field} type="number" min={0} step={1} value={form.freeQuota ?? 0} onChange={(e) => set("freeQuota", Math.max(0, Math.floor(Number(e.target.value) || 0)))} />
            </label>
            <label className={label}>
              …per window of (hours)
              <input className={field} type="number" min={0.1} step="any" value={form.freeQuotaWindowHours ?? 24} onChange={(e) => set("freeQuotaWindowHours", Number(e.target.value))} />
            </label>
            <p className="col-span-2 text-xs text-stone-600">
              A caller is the wallet it signs in with (sign-in-with-x), or its IP address when TRUST_PROXY_HEADERS is set. After the free calls, it pays.
            </p>
          </div>
        )}
        {(form.kind === "page" || form.siwxAccess) && (
          <label className={`${label} md:col-span-2`}>
            Access after payment (hours)
            <input className={`${field} block md:max-w-xs`} type="number" min={0.1} step="any" value={form.accessWindowHours} onChange={(e) => set("accessWindowHours", Number(e.target.value))} />
          </label>
        )}
        {form.kind === "api" && (
          <label className={`${label} md:col-span-2`}>
            Idempotent retries (payment-identifier)
            <select className={field} value={form.paymentIdentifier ?? "optional"} onChange={(e) => set("paymentIdentifier", e.target.value as "off" | "optional" | "required")}>
              <option value="optional">Offered: a retry with the same id gets the same response, charged once</option>
              <option value="required">Required: payments without an id are refused (400)</option>
              <option value="off">Off</option>
            </select>
          </label>
        )}
        {form.kind === "api" && (
          <label className={`${label} md:col-span-2`}>
            Delivery
            <select className={field} value={form.settleAfterComplete ? "complete" : "stream"} onChange={(e) => set("settleAfterComplete", e.target.value === "complete")}>
              <option value="stream">Stream: charge once the response starts successfully, then stream it (SSE, downloads)</option>
              <option value="complete">Buffer: charge only after the whole response is produced</option>
            </select>
          </label>
        )}
        <fieldset className="md:col-span-2">
          <legend className={label}>State</legend>
          <div className="mt-1 flex flex-wrap gap-x-6 gap-y-1">
            {ROUTE_STATES.map((s) => (
              <label key={s} className="flex items-center gap-2 text-sm">
                <input type="radio" name="route-state" value={s} checked={form.state === s} onChange={() => set("state", s)} />
                <span>
                  <span className="font-medium">{ROUTE_STATE_COPY[s].label}</span> <span className="text-stone-600">— {ROUTE_STATE_COPY[s].help}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
      </section>

      {form.kind === "api" && (
        <section className="grid gap-4 rounded-xl border border-stone-200 bg-white p-4 md:grid-cols-2" aria-labelledby="discovery-heading">
          <div className="md:col-span-2">
            <h2 id="discovery-heading" className="font-semibold">
              For agents (optional)
            </h2>
            <p className="text-xs text-stone-600">
              How to call this route, as JSON. Sent in every 402 as the x402 bazaar extension, and listed in /.well-known/x402, /openapi.json and /llms.txt. At most 4 KB.
            </p>
          </div>
          <label className={label}>
            {queryMethod ? "Example query parameters" : "Example request body"}
            <textarea className={`${field} font-mono`} rows={4} value={discovery.inputExample} onChange={(e) => setDiscovery({ inputExample: e.target.value })} placeholder={queryMethod ? '{"city": "Paris"}' : '{"text": "…"}'} />
            {errors["discovery.inputExample"] && <span className="mt-1 block text-xs text-red-800">{errors["discovery.inputExample"]}</span>}
          </label>
          <label className={label}>
            Input JSON Schema
            <textarea className={`${field} font-mono`} rows={4} value={discovery.inputSchema} onChange={(e) => setDiscovery({ inputSchema: e.target.value })} placeholder='{"properties": {"city": {"type": "string"}}, "required": ["city"]}' />
            {errors["discovery.inputSchema"] && <span className="mt-1 block text-xs text-red-800">{errors["discovery.inputSchema"]}</span>}
          </label>
          {!queryMethod && (
            <label className={label}>
              Body type
              <select className={field} value={discovery.bodyType} onChange={(e) => setDiscovery({ bodyType: e.target.value as DiscoveryForm["bodyType"] })}>
                <option value="json">JSON</option>
                <option value="form-data">Form data</option>
                <option value="text">Text</option>
              </select>
            </label>
          )}
          <label className={`${label} md:col-start-1`}>
            Example response
            <textarea className={`${field} font-mono`} rows={4} value={discovery.outputExample} onChange={(e) => setDiscovery({ outputExample: e.target.value })} placeholder='{"temperature": 12}' />
            {errors["discovery.outputExample"] && <span className="mt-1 block text-xs text-red-800">{errors["discovery.outputExample"]}</span>}
          </label>
          <label className={label}>
            Response JSON Schema
            <textarea className={`${field} font-mono`} rows={4} value={discovery.outputSchema} onChange={(e) => setDiscovery({ outputSchema: e.target.value })} />
            {errors["discovery.outputSchema"] && <span className="mt-1 block text-xs text-red-800">{errors["discovery.outputSchema"]}</span>}
          </label>
        </section>
      )}

      <section className="space-y-3">
        <h2 className="font-semibold">Payment options</h2>
        {options.map((o, i) => {
          const network = networks.find((n) => n.id === o.network);
          const token = network?.tokens.find((t) => t.address.toLowerCase() === o.asset.toLowerCase());
          const payToError = errors[`options.${i}.payTo`] ?? (o.payTo ? payToProblem(o.network, o.payTo) : null);
          return (
            <div key={i} className="grid gap-3 rounded-xl border border-stone-200 bg-white p-4 md:grid-cols-4" data-testid="option-editor">
              <label className={label}>
                Network
                <select aria-label="Network" className={field} value={o.network} onChange={(e) => setOption(i, { network: e.target.value, asset: networks.find((n) => n.id === e.target.value)?.tokens[0]?.address ?? "", custom: false })}>
                  {networks.map((n) => (
                    <option key={n.id} value={n.id}>
                      {n.name}
                    </option>
                  ))}
                  {!network && <option value={o.network}>{o.network}</option>}
                </select>
              </label>
              <label className={label}>
                Token
                <select
                  aria-label="Token"
                  className={field}
                  value={o.custom ? "custom" : o.asset}
                  onChange={(e) => (e.target.value === "custom" ? setOption(i, { custom: true, asset: "" }) : setOption(i, { custom: false, asset: e.target.value }))}
                >
                  {network?.tokens.map((t) => (
                    <option key={t.address} value={t.address}>
                      {`${t.symbol} — ${[t.name && t.name !== t.symbol ? t.name : null, t.issuer ? `issued by ${t.issuer}` : `from ${t.source}`].filter(Boolean).join(", ")} · ${t.address.slice(0, 6)}…${t.address.slice(-4)}`}
                    </option>
                  ))}
                  <option value="custom">Custom address…</option>
                </select>
                {o.custom && <input className={`${field} font-mono`} value={o.asset} onChange={(e) => setOption(i, { asset: e.target.value })} placeholder="Token address" aria-label="Custom token address" />}
                {errors[`options.${i}.asset`] && <span className="mt-1 block text-red-800">{errors[`options.${i}.asset`]}</span>}
              </label>
              <label className={label}>
                Price{token ? ` (${token.symbol})` : ""}
                <input className={field} inputMode="decimal" value={o.price} onChange={(e) => setOption(i, { price: e.target.value })} placeholder="0.02" />
                {errors[`options.${i}.price`] && <span className="mt-1 block text-red-800">{errors[`options.${i}.price`]}</span>}
              </label>
              <label className={label}>
                Pay to
                <input className={`${field} font-mono`} value={o.payTo} onChange={(e) => setOption(i, { payTo: e.target.value })} placeholder="0x…" />
                {payToError && <span className="mt-1 block text-red-800">{payToError}</span>}
              </label>
              {options.length > 1 && (
                <button type="button" className="text-left text-xs text-red-800 underline md:col-span-4" onClick={() => setOptions((os) => os.filter((_, j) => j !== i))}>
                  Remove this option
                </button>
              )}
            </div>
          );
        })}
        <button
          type="button"
          className="rounded border border-stone-300 bg-white px-3 py-1.5 text-sm hover:bg-stone-100"
          onClick={() => setOptions((os) => [...os, { network: defaultNetwork?.id ?? "", asset: defaultNetwork?.tokens[0]?.address ?? "", price: "", payTo: os[0]?.payTo ?? "", maxTimeoutSeconds: 300, custom: false }])}
        >
          Add payment option
        </button>
      </section>

      <BuyerPreview form={form} options={options} networks={networks} />

      {message && (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-900">
          {message}
        </p>
      )}
      {confirmMissing && (
        <div className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
          <p>Buyers cannot pay a wallet that has no token account for the mint. Create it (any wallet app does, on the first transfer of that token), or save now and create it before selling.</p>
          <button type="button" disabled={pending} onClick={() => save(true)} className="mt-2 rounded-lg border border-amber-700 bg-white px-3 py-1.5 font-medium text-amber-900 hover:bg-amber-100">
            Save anyway
          </button>
        </div>
      )}
      <button type="submit" disabled={pending} className="rounded-lg bg-amber-700 px-5 py-2.5 font-semibold text-white hover:bg-amber-800 disabled:opacity-60">
        {pending ? "Saving…" : id ? "Save changes" : "Create route"}
      </button>
    </form>
  );
}

/** What buyers will see for this route as the form stands: the paywall's heading and prices (pages), or the 402's (APIs). */
function BuyerPreview({ form, options, networks }: { form: RouteForm; options: OptionState[]; networks: EditorNetwork[] }) {
  const prices = options.map((o) => {
    const network = networks.find((n) => n.id === o.network);
    const token = network?.tokens.find((t) => t.address.toLowerCase() === o.asset.toLowerCase());
    return `${o.price || "?"} ${token?.symbol ?? "tokens"} on ${network?.name ?? o.network}`;
  });
  const hours = form.accessWindowHours;
  const accessText = hours % 24 === 0 ? `${hours / 24} ${hours === 24 ? "day" : "days"}` : `${hours} ${hours === 1 ? "hour" : "hours"}`;
  return (
    <section className="rounded-xl border border-stone-200 bg-stone-100 p-4" aria-labelledby="preview-heading" data-testid="buyer-preview">
      <h2 id="preview-heading" className="text-sm font-semibold text-stone-700">
        Preview: what buyers see
      </h2>
      <div className="mt-3 max-w-md rounded-2xl border border-stone-200 bg-white p-5 shadow-sm">
        <p className="text-xs font-semibold uppercase tracking-widest text-amber-800">Payment required</p>
        <p className="mt-1 text-xl font-bold">{form.description || (form.kind === "page" ? "This page" : `${form.method === "*" ? "ANY" : form.method} ${form.pathPattern}`)}</p>
        {form.kind === "page" && <p className="mt-1 text-sm text-stone-600">Pay once to read this page for {accessText}.</p>}
        <ul className="mt-3 space-y-1 text-sm">
          {prices.map((p, i) => (
            <li key={i} className="rounded border border-stone-300 px-3 py-2">
              {p}
            </li>
          ))}
        </ul>
        {form.state !== "charging" && (
          <p className="mt-3 text-sm text-red-800">{form.state === "free" ? "Free: buyers will not see this; everyone gets the route without paying." : "Blocked: nobody gets the route, paid or not (403)."}</p>
        )}
      </div>
    </section>
  );
}
