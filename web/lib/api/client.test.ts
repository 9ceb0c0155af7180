import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse } from "@/test/utils";
import { ApiError, apiRequest, buildUrl, setUnauthenticatedHandler } from "./client";
import { errorFor, otherErrors } from "./field-errors";

afterEach(() => vi.unstubAllGlobals());

describe("apiRequest", () => {
  it("builds URLs under /api/backend and leaves out empty parameters", () => {
    expect(buildUrl("/assets", { search: "eth", limit: 5, from: undefined, to: "" })).toBe("/api/backend/assets?search=eth&limit=5");
  });

  it("turns a 401 into a redirect to sign-in", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse({ error: { code: "session_expired", message: "expired" }, request_id: "r" }, 401)));
    const redirect = vi.fn();
    setUnauthenticatedHandler(redirect);
    await expect(apiRequest("/me")).rejects.toMatchObject({ status: 401, code: "session_expired" });
    expect(redirect).toHaveBeenCalledOnce();
  });

  it("reports a network failure as an ApiError", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const err = (await apiRequest("/me").catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe("network_error");
  });

  it("returns undefined for 204", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(null, { status: 204 })));
    await expect(apiRequest("/accounts/x", { method: "DELETE" })).resolves.toBeUndefined();
  });
});

describe("field errors", () => {
  const errors = { "enabled_chains[0]": "unknown chain", "guardrails.min_trade_usd": "must be ≥ 0", extra: "odd" };
  it("match a field and its parts", () => {
    expect(errorFor(errors, "enabled_chains")).toBe("unknown chain");
    expect(errorFor(errors, "guardrails.min_trade_usd")).toBe("must be ≥ 0");
    expect(errorFor(errors, "name")).toBeUndefined();
  });
  it("keep the ones no field shows", () => {
    expect(otherErrors(errors, ["enabled_chains", "guardrails"])).toEqual(["extra: odd"]);
  });
});
