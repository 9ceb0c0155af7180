import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse } from "@/test/utils";
import { ApiError, apiDownload, apiRequest, attachmentName, buildUrl, setUnauthenticatedHandler } from "./client";
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

describe("raw bodies and downloads", () => {
  it("sends a raw body with its own content type, not as JSON", async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => jsonResponse({ ok: true }));
    vi.stubGlobal("fetch", fetchMock);
    await apiRequest("/ledger/import", { method: "POST", query: { format: "generic", commit: false }, raw: { body: "date,kind\n", contentType: "text/csv" } });
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe("/api/backend/ledger/import?format=generic&commit=false");
    expect(init?.body).toBe("date,kind\n");
    expect((init?.headers as Record<string, string>)["content-type"]).toBe("text/csv");
  });

  it("downloads a file's text under the name the API gives it", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response("a,b\n1,2\n", { status: 200, headers: { "content-type": "text/csv", "content-disposition": 'attachment; filename="capital-gains-2025.csv"' } })),
    );
    await expect(apiDownload("/ledger/tax-report.csv", { query: { year: 2025 }, fallbackName: "x.csv" })).resolves.toEqual({ filename: "capital-gains-2025.csv", text: "a,b\n1,2\n" });
  });

  it("throws a refusal with the API's code and message", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse({ error: { code: "ledger_incomplete", message: "the ledger's history is incomplete for BTC" }, request_id: "r" }, 409)));
    await expect(apiDownload("/ledger/tax-report.csv", { query: { year: 2025 }, fallbackName: "x.csv" })).rejects.toMatchObject({ status: 409, code: "ledger_incomplete", message: "the ledger's history is incomplete for BTC" });
  });

  it("keeps a safe attachment name or falls back", () => {
    expect(attachmentName('attachment; filename="income-2024.csv"', "f.csv")).toBe("income-2024.csv");
    expect(attachmentName("attachment; filename=plain.csv", "f.csv")).toBe("plain.csv");
    expect(attachmentName('attachment; filename="../etc/passwd"', "f.csv")).toBe("f.csv");
    expect(attachmentName(null, "f.csv")).toBe("f.csv");
  });
});
