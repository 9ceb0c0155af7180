import { describe, expect, it } from "vitest";
import type { DailyBalance } from "@/lib/api/types";
import { historyDays } from "./BalanceHistory";

const line = (day: string, symbol: string, value: string | null): DailyBalance => ({
  day,
  account_id: "a",
  asset_id: null,
  symbol,
  kind: "spot",
  quantity: "1",
  price_usd: value,
  value_usd: value,
  price_at: null,
  synced_at: null,
  flags: [],
});

describe("historyDays", () => {
  it("adds a day's values exactly and refuses a total when a line has no value", () => {
    const days = historyDays([
      line("2026-12-01", "ETH", "0.1"),
      line("2026-12-01", "BTC", "0.2"),
      line("2026-12-02", "ETH", "1"),
      line("2026-12-02", "XYZ", null),
    ]);
    expect(days.map((d) => d.day)).toEqual(["2026-12-02", "2026-12-01"]);
    expect(days[1].valueUsd).toBe("0.3");
    expect(days[0].valueUsd).toBeNull();
  });
});
