import { describe, expect, it } from "vitest";
import { asOfText, basisLabel, chartRows, formatPoints, formatReturn, gapCount, tone, unknownReasons, usdOrUnknown } from "./figures";

describe("returns as percentages", () => {
  it("turns the API's exact fraction into a signed percentage, rounded half-even from the text", () => {
    expect(formatReturn("0.090909090909")).toBe("+9.09%");
    expect(formatReturn("-0.5")).toBe("-50.00%");
    expect(formatReturn("0.03")).toBe("+3.00%");
    expect(formatReturn("0")).toBe("0.00%");
    expect(formatReturn("-0.00001")).toBe("0.00%");
    // Half-even at the cut: 0.12345 → 12.345 % → 12.34 %; a float would give 12.35 or 12.34 by accident.
    expect(formatReturn("0.12345")).toBe("+12.34%");
    expect(formatReturn("0.12355")).toBe("+12.36%");
    expect(formatReturn("1234.5")).toBe("+123,450.00%");
  });
  it("reads unknown, never 0, when the API has no figure", () => {
    expect(formatReturn(null)).toBe("unknown");
    expect(formatReturn(undefined)).toBe("unknown");
    expect(formatPoints(null)).toBe("unknown");
    expect(usdOrUnknown(null)).toBe("unknown");
    expect(usdOrUnknown("0")).toBe("$0.00");
    expect(tone(null)).toBe("unknown");
    expect([tone("0.01"), tone("-2"), tone("0")]).toEqual(["up", "down", "flat"]);
  });
  it("shows contributions in percentage points", () => {
    expect(formatPoints("0.025")).toBe("+2.50 pts");
    expect(formatPoints("-0.1")).toBe("-10.00 pts");
  });
  it("names the basis", () => {
    expect(basisLabel("cumulative")).toMatch(/whole range/);
    expect(basisLabel("annualised")).toMatch(/per year/);
    expect(basisLabel("other")).toBe("other");
  });
});

describe("why figures are unknown", () => {
  it("lists the days, the unpriced assets and the failed fetches", () => {
    const r = unknownReasons({ day_count: 5, days: ["2026-12-03", "2026-12-04", "2026-12-05", "2026-12-06", "2026-12-07"], unpriced_assets: ["XYZ"], failed_backfills: ["XYZ: not found"], unread_accounts: ["Old exchange"] });
    expect(r).toHaveLength(4);
    expect(r[0]).toMatch(/^5 days have no value \(.+, and 2 more\)$/);
    expect(r[1]).toBe("no daily price for XYZ");
    expect(r[2]).toBe("holdings not known on those days for Old exchange (no ledger, and no stored daily balances)");
    expect(r[3]).toBe("price history could not be fetched: XYZ: not found");
    expect(unknownReasons(null)).toEqual([]);
    expect(unknownReasons({ day_count: 1, days: ["2026-12-07"], unpriced_assets: [], failed_backfills: [], unread_accounts: [] })[0]).toMatch(/^1 day has no value/);
  });
});

describe("the chart's rows", () => {
  const series = [
    { date: "2026-12-05", value_usd: "3000.5", money_in_usd: "0", money_out_usd: "0" },
    { date: "2026-12-06", value_usd: null, money_in_usd: "0", money_out_usd: "0" },
    { date: "2026-12-07", value_usd: "6000", money_in_usd: "2500", money_out_usd: "0" },
  ];
  const eth = { name: "ETH", time_weighted: { value: null, basis: "cumulative", definition: "" }, value_usd: null, series: [{ date: "2026-12-05", value_usd: "3000" }, { date: "2026-12-07", value_usd: null }] };
  it("keeps a day without a value as a gap (null), not 0, and lines the benchmarks up by day", () => {
    const rows = chartRows(series, [eth]);
    expect(rows.map((r) => r.value)).toEqual([3000.5, null, 6000]);
    expect(rows.map((r) => r.exact)).toEqual(["3000.5", null, "6000"]);
    expect(rows.map((r) => r.bench_ETH)).toEqual([3000, null, null]);
    expect(gapCount(series)).toBe(1);
  });
  it("says which day the figures run to", () => {
    expect(asOfText("2026-12-07", "2026-12-07")).toMatch(/today, at the latest price/);
    expect(asOfText("2026-11-30", "2026-12-07")).toMatch(/that day's close/);
  });
});
