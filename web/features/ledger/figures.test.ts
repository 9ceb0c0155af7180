import { describe, expect, it } from "vitest";
import type { LedgerImportReport } from "@/lib/api/types";
import { importButtonLabel, importVerdict, reportRefusal, taxYears, usdOrWhy } from "./figures";

const report = (over: Partial<LedgerImportReport> = {}): LedgerImportReport => ({
  account_id: "a",
  format: "generic",
  committed: false,
  added: 0,
  to_add: [],
  duplicates: [],
  errors: [],
  skipped: [],
  ...over,
});
const line = { lines: [2], external_id: "x", kind: "trade" as const, occurred_at: "2024-01-01T00:00:00Z" };

describe("ledger figures", () => {
  it("never shows an unknown or incomplete figure as a number", () => {
    expect(usdOrWhy("13996", false)).toBe("$13,996.00");
    expect(usdOrWhy("0", false)).toBe("$0.00");
    expect(usdOrWhy(null, false)).toBe("unknown");
    expect(usdOrWhy(undefined, false)).toBe("unknown");
    expect(usdOrWhy("100", true)).toBe("incomplete");
  });

  it("allows an import only when no line has an error, and says why not", () => {
    expect(importVerdict(report({ to_add: [line, { ...line, external_id: "y" }] }))).toEqual({ count: 2, allowed: true, why: null });
    const bad = importVerdict(report({ to_add: [line], errors: [{ line: 4, reason: "no such date" }] }));
    expect(bad.allowed).toBe(false);
    expect(bad.why).toMatch(/^1 line has an error/);
    expect(importVerdict(report({ errors: [{ line: 4, reason: "a" }, { line: 5, reason: "b" }] })).why).toMatch(/^2 lines have errors/);
    expect(importVerdict(report({ duplicates: [line] })).why).toMatch(/already in the ledger/);
    expect(importButtonLabel(1)).toBe("Import 1 entry");
    expect(importButtonLabel(3)).toBe("Import 3 entries");
  });

  it("offers tax years from this one back", () => {
    const ys = taxYears(new Date("2026-12-07T00:00:00Z"));
    expect(ys[0]).toBe(2026);
    expect(ys[1]).toBe(2025);
    expect(ys.at(-1)).toBe(2009);
  });

  it("drops the API route from a refusal", () => {
    expect(reportRefusal("the ledger's history is incomplete for ETH: see GET /api/ledger/gains for what is missing")).toBe("the ledger's history is incomplete for ETH");
  });
});
