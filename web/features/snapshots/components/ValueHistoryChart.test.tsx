import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { TimelinePoint } from "@/lib/api/types";
import { chartPoints, paddedDomain, pointText, ValueHistoryChart } from "./ValueHistoryChart";

const point = (over: Partial<TimelinePoint>): TimelinePoint => ({
  date: "2026-03-01",
  snapshot_type: "eod",
  total_value_usd: "60000",
  net_value_usd: "60000",
  assets_usd: "63000",
  liabilities_usd: "3000",
  accounts_not_read: 0,
  ...over,
});

describe("value history", () => {
  it("plots the net value, a borrow held as cash does not raise it", () => {
    const [p] = chartPoints([point({})]);
    expect(p.value).toBe(60000);
    expect(pointText(p)).toBe("$60,000.00 net (assets $63,000.00 − owed $3,000.00)");
  });

  it("marks a point that lacks accounts not read yet", () => {
    const [p] = chartPoints([point({ liabilities_usd: "0", assets_usd: "60000", accounts_not_read: 2 })]);
    expect(pointText(p)).toBe("$60,000.00 · incomplete: 2 accounts not read yet");
  });

  it("shows a single point as its net value with assets and owed beside it", () => {
    render(<ValueHistoryChart points={[point({})]} />);
    expect(screen.getByTestId("value-history-single").textContent).toBe("$60,000.00");
    expect(screen.getByTestId("value-history-single-detail").textContent).toContain("owed $3,000.00");
  });

  it("goes below zero only when a net value does", () => {
    expect(paddedDomain([100, 200])[0]).toBe(90);
    expect(paddedDomain([0, 200])[0]).toBe(0);
    expect(paddedDomain([-100, 100])[0]).toBe(-120);
  });
});
