import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { recommendation } from "@/test/fixtures";
import { RecommendationCard } from "./RecommendationsView";

const name = (id: string) => (id === "acc" ? "Anvil wallet" : id);

describe("RecommendationCard", () => {
  it("shows an incomplete recommendation as a warning with what is missing, and no trades table", () => {
    const r = recommendation({
      status: "incomplete",
      trades: [],
      blocking: [{ reason: "no_price", symbol: "XYZ", asset_id: "44444444-4444-4444-8444-444444444444", message: "XYZ is a target but has no price yet: wait for the price job, or check the asset", accounts: [], price_at: null }],
    });
    render(<RecommendationCard r={r} accountName={name} latest />);
    expect(screen.getByTestId("recommendation-status").textContent).toBe("Incomplete");
    expect(screen.getByTestId("blocking-warning").textContent).toContain("No trades proposed: data is missing.");
    expect(screen.getByTestId("blocking-item").textContent).toBe("XYZ is a target but has no price yet: wait for the price job, or check the asset");
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.queryByText(/every asset is within its band/)).toBeNull();
    expect(screen.queryByText(/Sell \$/)).toBeNull();
  });

  it("shows each trade's price, its source and age", () => {
    const at = new Date(Date.now() - 5 * 60_000).toISOString();
    const r = recommendation({
      trades: [{ side: "sell", asset_id: null, symbol: "ETH", quantity: "4000", usd_amount: "12000000", reason: "over band", accounts: ["acc"], price_usd: "3000", price_source: "coingecko", price_at: at }],
    });
    render(<RecommendationCard r={r} accountName={name} latest={false} />);
    const row = screen.getByTestId("trade-row");
    expect(row.textContent).toContain("$12,000,000.00");
    expect(row.textContent).toContain("at $3,000.00");
    expect(row.textContent).toContain("price 5 min ago · coingecko");
    expect(row.textContent).toContain("Anvil wallet");
    expect(screen.queryByTestId("blocking-warning")).toBeNull();
    // The phone layout: the same trade as a card (CSS shows one or the other).
    const card = screen.getByTestId("trade-card");
    expect(card.textContent).toContain("Sell");
    expect(card.textContent).toContain("4,000 ETH at $3,000.00");
    expect(card.textContent).toContain("$12,000,000.00");
    expect(card.textContent).toContain("Where: Anvil wallet");
  });
});
