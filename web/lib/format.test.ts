import { describe, expect, it } from "vitest";
import { safeCallbackUrl } from "./auth/redirect";
import { needsRefresh } from "./auth/tokens";
import { toCsv } from "./csv";
import { formatQuantity, formatSignedPoints, formatUsd, timeAgo } from "./format";

describe("formatting", () => {
  it("formats money, points and quantities", () => {
    expect(formatUsd("30000000")).toBe("$30,000,000.00");
    expect(formatUsd(null)).toBe("—");
    expect(formatSignedPoints("-4.06")).toBe("−4.1 pts");
    expect(formatQuantity("10000.000000000000000000")).toBe("10,000");
    expect(formatQuantity("-1234567.5")).toBe("-1,234,567.5");
    expect(formatQuantity("1.123456789", 6)).toBe("1.123456…");
    expect(formatQuantity("2.5", 0)).toBe("2…");
    expect(formatQuantity("0.000000000000000001")).toBe("0.00000000…");
  });

  it("says how long ago a sync was", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(timeAgo(null, now)).toBe("never");
    expect(timeAgo("2026-01-01T11:59:50Z", now)).toBe("just now");
    expect(timeAgo("2026-01-01T11:30:00Z", now)).toBe("30 min ago");
    expect(timeAgo("2025-12-30T12:00:00Z", now)).toBe("2 days ago");
    expect(timeAgo("2025-12-31T12:00:00Z", now)).toBe("1 day ago");
    expect(timeAgo("2025-12-18T12:00:00Z", now)).toBe("2 weeks ago");
  });

  it("keeps spreadsheet formulas out of CSV cells", () => {
    expect(toCsv(["a"], [["=HYPERLINK(1)"], ["-5"], ["a,b"]])).toBe("a\r\n'=HYPERLINK(1)\r\n-5\r\n\"a,b\"\r\n");
  });
});

describe("auth helpers", () => {
  it("refreshes a minute before expiry", () => {
    expect(needsRefresh({ expires_at: 1000 }, 900)).toBe(false);
    expect(needsRefresh({ expires_at: 1000 }, 941)).toBe(true);
    expect(needsRefresh({}, 0)).toBe(true);
  });

  it("only returns to paths of this site after sign-in", () => {
    expect(safeCallbackUrl("/portfolios/1?x=2")).toBe("/portfolios/1?x=2");
    expect(safeCallbackUrl("//evil.example/x")).toBe("/dashboard");
    expect(safeCallbackUrl("https://evil.example/")).toBe("/dashboard");
    expect(safeCallbackUrl(undefined)).toBe("/dashboard");
  });
});
