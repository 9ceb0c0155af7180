import { describe, expect, it } from "vitest";
import { customRangeError, parseDay, parseScope, performanceQuery, presetDates, scopeValue, todayUtc } from "./range";

describe("range presets as the API computes them", () => {
  it("ends every preset today and starts it where the API's range_start does", () => {
    const today = "2026-12-07";
    expect(presetDates("1D", today)).toEqual({ from: "2026-12-06", to: today });
    expect(presetDates("1W", today)).toEqual({ from: "2026-11-30", to: today });
    expect(presetDates("1M", today)).toEqual({ from: "2026-11-07", to: today });
    expect(presetDates("YTD", today)).toEqual({ from: "2026-01-01", to: today });
    expect(presetDates("1Y", today)).toEqual({ from: "2025-12-07", to: today });
    expect(presetDates("ALL", today)).toEqual({ from: null, to: today });
  });

  it("crosses month and year ends, and takes a shorter month's last day (chrono's checked_sub_months)", () => {
    expect(presetDates("1D", "2026-01-01").from).toBe("2025-12-31");
    expect(presetDates("1W", "2026-03-03").from).toBe("2026-02-24");
    expect(presetDates("1M", "2024-03-31").from).toBe("2024-02-29");
    expect(presetDates("1M", "2025-03-31").from).toBe("2025-02-28");
    expect(presetDates("1M", "2026-01-15").from).toBe("2025-12-15");
    expect(presetDates("1Y", "2024-02-29").from).toBe("2023-02-28");
    expect(presetDates("YTD", "2026-01-01").from).toBe("2026-01-01");
  });

  it("refuses a day that is not one", () => {
    expect(() => presetDates("1W", "2026-02-30")).toThrow();
    expect(parseDay("2026-02-30")).toBeNull();
    expect(parseDay("2026-2-3")).toBeNull();
    expect(parseDay("2024-02-29")?.toISOString()).toBe("2024-02-29T00:00:00.000Z");
  });

  it("takes today as the UTC day, not the browser's", () => {
    expect(todayUtc(new Date("2026-12-07T23:30:00-05:00"))).toBe("2026-12-08");
    expect(todayUtc(new Date("2026-12-08T00:30:00+02:00"))).toBe("2026-12-07");
  });
});

describe("a custom range", () => {
  const today = "2026-12-07";
  it("is asked for when both days are real, in order and not after today", () => {
    expect(customRangeError("2026-01-01", "2026-06-30", today)).toBeNull();
    expect(customRangeError("2026-12-07", "2026-12-07", today)).toBeNull();
  });
  it("says what is wrong otherwise", () => {
    expect(customRangeError("", "2026-06-30", today)).toBe("Choose the first day.");
    expect(customRangeError("2026-01-01", "2026-02-30", today)).toBe("Choose the last day.");
    expect(customRangeError("2026-07-01", "2026-06-30", today)).toMatch(/must not be after/);
    expect(customRangeError("2026-12-01", "2026-12-08", today)).toMatch(/after today/);
  });
});

describe("the API's query", () => {
  it("sends a preset as range and a custom range as from/to, with the scope's id", () => {
    expect(performanceQuery({ kind: "all" }, { kind: "preset", preset: "1M" })).toEqual({ range: "1M" });
    expect(performanceQuery({ kind: "account", id: "a1" }, { kind: "custom", from: "2026-01-01", to: "2026-02-01" })).toEqual({ account_id: "a1", from: "2026-01-01", to: "2026-02-01" });
    expect(performanceQuery({ kind: "portfolio", id: "p1" }, { kind: "preset", preset: "ALL" })).toEqual({ portfolio_id: "p1", range: "ALL" });
  });
  it("round-trips the scope through the select's value", () => {
    for (const s of [{ kind: "all" }, { kind: "account", id: "9f1c" }, { kind: "portfolio", id: "ab:cd" }] as const) expect(parseScope(scopeValue(s))).toEqual(s);
    expect(parseScope("account:")).toEqual({ kind: "all" });
    expect(parseScope("nonsense")).toEqual({ kind: "all" });
  });
});
