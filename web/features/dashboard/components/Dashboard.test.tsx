import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { NetWorth } from "@/lib/api/types";
import { formatKnownUsd } from "@/lib/format";
import { Change24h, netWorthText, portfolioCardValue } from "./Dashboard";

const worth = (over: Partial<NetWorth>): NetWorth =>
  ({ net_worth_usd: "100", assets_usd: "100", liabilities_usd: "0", change_complete: true, by_place: [], by_asset: [], unpriced: [], as_of: "", accounts_with_sync_problems: [], accounts_not_read: 0, ...over }) as NetWorth;

describe("net worth", () => {
  it("shows the 24 h change with its sign, or why it is not known", () => {
    const { rerender } = render(<Change24h n={worth({ change_24h_usd: "-1234.5", change_24h_pct: "-2.5", change_complete: false })} />);
    expect(screen.getByTestId("change-24h-value").textContent).toBe("▼ -$1,234.50 (-2.50%)");
    expect(screen.getByTestId("change-24h").textContent).toContain("left out");
    rerender(<Change24h n={worth({ change_24h_usd: null, change_24h_pct: null })} />);
    expect(screen.getByTestId("change-24h").getAttribute("data-known")).toBe("false");
    expect(screen.getByTestId("change-24h").textContent).toContain("not known yet");
  });
});

describe("default portfolio card", () => {
  const linked = { account_ids: ["a", "b"] };
  it("shows the net value, with assets and owed when something is borrowed", () => {
    const v = portfolioCardValue(linked, [{ id: "a", total_value_usd: "63000" }], { total_value_usd: "63000", net_value_usd: "60000" });
    expect(v).toEqual({ text: "$60,000.00", assets: "$63,000.00", owed: "$3,000.00" });
  });
  it("says not read yet while none of its accounts has been read, never $0.00", () => {
    const v = portfolioCardValue(linked, [{ id: "a", total_value_usd: null }, { id: "b", total_value_usd: null }], { total_value_usd: "0", net_value_usd: "0" });
    expect(v.text).toBe("not read yet");
    expect(portfolioCardValue({ account_ids: [] }, [], undefined).text).toBe("$0.00");
  });
  it("says the net worth is unknown, with why, when holdings are read and none has a price", () => {
    const btc = { asset_id: null, symbol: "BTC", quantity: "1.5", accounts: ["a"] };
    const n = netWorthText(worth({ net_worth_usd: null, assets_usd: "0", unpriced: [btc] }));
    expect(n.text).toBe("unknown");
    expect(n.why).toBe("No price yet for BTC: the worth is unknown until prices arrive, not $0.");
    // Before any account is read it is "not read yet"; with one priced holding, the sum.
    expect(netWorthText(worth({ net_worth_usd: null, accounts_not_read: 1 })).text).toBe("not read yet");
    expect(netWorthText(worth({ unpriced: [btc] }))).toEqual({ text: "$100.00", why: null });
  });
  it("says the net worth is not read yet when it is unknown", () => {
    expect(formatKnownUsd(worth({ net_worth_usd: null }).net_worth_usd)).toBe("not read yet");
    expect(formatKnownUsd(worth({}).net_worth_usd)).toBe("$100.00");
  });
});
