import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DISCOVERY_MAX_BYTES, discoveryFromForm, discoverySchema, discoveryToForm } from "@/lib/routes/schema";

const empty = { inputExample: "", inputSchema: "", bodyType: "json" as const, outputExample: "", outputSchema: "" };

describe("route discovery metadata from the editor", () => {
  it("reads JSON fields, keeps the body type only for body methods, and round-trips", () => {
    const form = { ...empty, inputExample: '{"city":"Paris"}', outputExample: "[1,2]", bodyType: "text" as const };
    expect(discoveryFromForm(form, false)).toEqual({ discovery: { inputExample: { city: "Paris" }, outputExample: [1, 2] }, fieldErrors: {} });
    const withBody = discoveryFromForm(form, true).discovery!;
    expect(withBody.bodyType).toBe("text");
    expect(discoveryFromForm(discoveryToForm(withBody), true).discovery).toEqual(withBody);
    expect(discoveryFromForm(empty, true)).toEqual({ discovery: null, fieldErrors: {} });
  });

  it("names the field that is not JSON, or not an object where one is needed, or too large", () => {
    expect(discoveryFromForm({ ...empty, inputSchema: "{nope" }, false).fieldErrors).toEqual({ "discovery.inputSchema": "Must be JSON" });
    expect(discoveryFromForm({ ...empty, inputExample: "[1]" }, false).fieldErrors).toEqual({ "discovery.inputExample": "Must be a JSON object" });
    const big = JSON.stringify({ text: "x".repeat(DISCOVERY_MAX_BYTES) });
    expect(discoveryFromForm({ ...empty, outputExample: big }, false).discovery).toBeNull();
    expect(Object.keys(discoveryFromForm({ ...empty, outputExample: big }, false).fieldErrors)).toHaveLength(1);
  });

  it("never throws, and whatever it accepts is valid stored metadata", () => {
    const text = fc.oneof(fc.string({ maxLength: 60 }), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? ""));
    fc.assert(
      fc.property(fc.record({ inputExample: text, inputSchema: text, outputExample: text, outputSchema: text, bodyType: fc.constantFrom("json" as const, "form-data" as const, "text" as const) }), fc.boolean(), (form, hasBody) => {
        const { discovery, fieldErrors } = discoveryFromForm(form, hasBody);
        if (discovery) {
          expect(fieldErrors).toEqual({});
          expect(discoverySchema.safeParse(discovery).success).toBe(true);
        }
        for (const key of Object.keys(fieldErrors)) expect(key).toMatch(/^discovery\.(inputExample|inputSchema|outputExample|outputSchema|bodyType)$/);
      }),
      { numRuns: 2000 },
    );
  });
});
