import { describe, expect, it } from "vitest";
import { clampDecimal, compareDecimals, isPlainDecimal, parseDecimal, sumDecimals } from "./decimal";
import { formatPct, formatSignedPoints, formatUsd } from "./format";

describe("exact decimals", () => {
  it("adds 0.1 and 0.2 to exactly 0.3, where JS numbers give 0.30000000000000004", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumDecimals(["0.1", "0.2"])).toBe("0.3");
  });

  it("adds 28-digit amounts without losing a digit", () => {
    const a = "1234567890123456789.012345678";
    const b = "8765432109876543210.987654322";
    expect(sumDecimals([a, b])).toBe("10000000000000000000");
    expect(sumDecimals(["9999999999999999999999999.999", "0.001"])).toBe("10000000000000000000000000");
    const c = "12345678901234567890.12345678";
    expect(sumDecimals([c, "0.00000001"])).toBe("12345678901234567890.12345679");
    // As JS numbers, the last ten digits are gone.
    expect(String(Number(c) + Number("0.00000001"))).toBe("12345678901234567000");
  });

  it("skips empty and malformed values instead of turning them into NaN", () => {
    expect(sumDecimals(["10", null, undefined, "", "abc", "1e3", "5"])).toBe("15");
    expect(sumDecimals([])).toBe("0");
  });

  it("accepts only the API's plain decimals", () => {
    for (const ok of ["50", "0.25", "-3.5", "007"]) expect(isPlainDecimal(ok)).toBe(true);
    for (const bad of ["1e2", "+5", ".5", "5.", "1,5", "NaN", ""]) expect(isPlainDecimal(bad)).toBe(false);
    expect(parseDecimal(" 12.5 ")?.toFixed()).toBe("12.5");
  });

  it("compares exactly, beyond what a float can tell apart", () => {
    expect(compareDecimals("100.0000000000000000000001", "100")).toBe(1);
    expect(Number("100.0000000000000000000001") > 100).toBe(false);
    expect(compareDecimals("99.99", "100")).toBe(-1);
    expect(compareDecimals("100.00", "100")).toBe(0);
    expect(compareDecimals(null, "0")).toBe(-1);
  });

  it("clamps percentages for CSS as decimal text", () => {
    expect(clampDecimal("130", "0", "100")).toBe("100");
    expect(clampDecimal("-3", "0", "100")).toBe("0");
    expect(clampDecimal("33.3333333333333333333", "0", "100")).toBe("33.3333333333333333333");
  });
});

describe("formatting from the decimal text", () => {
  it("formats dollars to the cent with thousands separators", () => {
    expect(formatUsd("30000000")).toBe("$30,000,000.00");
    expect(formatUsd("1234567890123456789.999")).toBe("$1,234,567,890,123,456,790.00");
    expect(formatUsd("-1234.5")).toBe("-$1,234.50");
    expect(formatUsd("0.004")).toBe("$0.00");
    expect(formatUsd("-0.004")).toBe("$0.00");
    expect(formatUsd(undefined)).toBe("—");
  });

  it("rounds half to even like the API, not through a float", () => {
    expect(formatUsd("0.125")).toBe("$0.12");
    expect(formatUsd("0.135")).toBe("$0.14");
    // 1.005 is 1.00499999999999989... as a float, so float formatting says 1.00.
    expect(formatUsd("1.0051")).toBe("$1.01");
    expect(formatPct("33.35")).toBe("33.4%");
    expect(formatPct("33.25")).toBe("33.2%");
    expect(formatSignedPoints("0.04")).toBe("±0.0 pts");
    expect(formatSignedPoints("40")).toBe("+40.0 pts");
  });
});
