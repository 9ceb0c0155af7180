import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { account } from "@/test/fixtures";
import { accountsDataAge } from "@/lib/data-age";
import { BlockingWarning } from "./BlockingWarning";
import { HoldingsTable } from "./HoldingsTable";
import { DataAge, PriceAge } from "./PriceAge";

const now = Date.parse("2026-12-03T12:00:00Z");

describe("price age", () => {
  it("says where a price came from and how old it is", () => {
    render(<PriceAge source="coingecko" at="2026-12-03T11:55:00Z" stale={false} now={now} />);
    expect(screen.getByTestId("price-age").textContent).toBe("price 5 min ago · coingecko");
    expect(screen.queryByTestId("stale-badge")).toBeNull();
  });

  it("shows an amber stale badge when the API flags the price", () => {
    render(<PriceAge source="coingecko,coinpaprika" at="2026-12-03T11:59:00Z" stale now={now} />);
    expect(screen.getByTestId("price-age").textContent).toContain("coingecko, coinpaprika");
    expect(screen.getByTestId("stale-badge").textContent).toBe("stale");
  });

  it("marks holdings whose price is older than two hours as stale", () => {
    render(
      <HoldingsTable
        now={now}
        rows={[
          { key: "a", symbol: "ETH", quantity: "1", priceUsd: "3000", valueUsd: "3000", priceSource: "coingecko", priceAt: "2026-11-30T12:00:00Z" },
          { key: "b", symbol: "USDC", quantity: "10", priceUsd: "1", valueUsd: "10", priceSource: "coingecko", priceAt: "2026-12-03T10:30:00Z" },
        ]}
      />,
    );
    const [eth, usdc] = screen.getAllByTestId("holding-row");
    expect(eth.textContent).toContain("price 3 days ago · coingecko");
    expect(eth.querySelector('[data-testid="stale-badge"]')).not.toBeNull();
    expect(usdc.textContent).toContain("price 2 h ago · coingecko");
    expect(usdc.querySelector('[data-testid="stale-badge"]')).toBeNull();
  });

  it("names where the oldest balance was read", () => {
    render(<DataAge oldestPriceAt="2026-12-03T11:30:00Z" oldestSyncAt="2026-11-19T12:00:00Z" oldestSyncLocation="base" now={now} />);
    expect(screen.getByTestId("oldest-balance").textContent).toBe("oldest balance: base, 2 weeks ago");
  });

  it("tells the oldest price and the oldest balance behind a total", () => {
    render(<DataAge oldestPriceAt="2026-11-30T12:00:00Z" oldestSyncAt="2026-12-03T11:30:00Z" now={now} />);
    expect(screen.getByTestId("data-age").textContent).toBe("oldest price: 3 days ago · oldest balance: 30 min ago");
  });

  it("takes the dashboard's oldest price and balance from the active accounts", () => {
    const holding = { identified_by: "registry", is_dust: false, location: "ethereum", quantity: "1", symbol: "ETH", value_usd: "1", price_source: "coingecko" };
    const age = accountsDataAge([
      account({ id: "a", last_synced_at: "2026-12-03T11:00:00Z", holdings: [{ ...holding, price_at: "2026-12-03T10:00:00Z" }, { ...holding, value_usd: null, price_at: null }] }),
      account({
        id: "b",
        last_synced_at: "2026-12-02T11:00:00Z",
        holdings: [{ ...holding, price_at: "2026-12-03T11:00:00Z" }],
        locations: [
          { location: "ethereum", status: "ok", synced_at: "2026-12-03T11:00:00Z", error: null },
          { location: "base", status: "failed", synced_at: "2026-12-02T11:00:00Z", error: "RPC timed out" },
        ],
      }),
      account({ id: "c", is_active: false, last_synced_at: null, holdings: [{ ...holding, price_at: "2020-01-01T00:00:00Z" }] }),
    ]);
    expect(age).toEqual({ oldestPriceAt: "2026-12-03T10:00:00Z", oldestSyncAt: "2026-12-02T11:00:00Z", oldestSyncLocation: "base" });
  });
});

describe("blocking warning", () => {
  const item = (reason: "no_price" | "stale_price" | "unidentified" | "ambiguous_symbol" | "sync_failed", symbol: string, price_at: string | null = null) => ({
    reason,
    symbol,
    message: `API says: ${reason}`,
    accounts: ["11111111-1111-4111-8111-111111111111"],
    asset_id: null,
    price_at,
  });

  it("lists each cause once, in one line: the API's words and what to do, and nothing when the data is complete", () => {
    const { rerender } = render(
      <BlockingWarning
        context="recommendation"
        items={[
          { ...item("sync_failed", "Cold wallet"), message: "Cold wallet has not been synced yet: sync it, then ask again" },
          { ...item("no_price", "XYZ"), message: "XYZ is a target but has no price yet: wait for the price job, or check the asset" },
        ]}
      />,
    );
    const warning = screen.getByTestId("blocking-warning");
    expect(warning.textContent).toContain("No trades proposed: data is missing.");
    const items = screen.getAllByTestId("blocking-item");
    expect(items.map((i) => i.getAttribute("data-reason"))).toEqual(["sync_failed", "no_price"]);
    // A never-synced account is not said to have failed.
    expect(items[0].textContent).toBe("Cold wallet has not been synced yet: sync it, then ask again (open the account)");
    expect(warning.textContent).not.toMatch(/failed/);
    expect(items[1].textContent).toBe("XYZ is a target but has no price yet: wait for the price job, or check the asset");
    expect(items[0].querySelector("a")?.getAttribute("href")).toBe("/accounts/11111111-1111-4111-8111-111111111111");
    rerender(<BlockingWarning context="allocation" items={[]} />);
    expect(screen.queryByTestId("blocking-warning")).toBeNull();
  });
});

describe("allocation rows", () => {
  it("show a target without a price as unpriced, not as $0, and keep the line's price age", async () => {
    const { allocationRows } = await import("@/features/portfolios/components/PortfolioDetail");
    const { allocation } = await import("@/test/fixtures");
    const line = { accounts: [], current_pct: "0", is_cash: false, quantity: "0", status: "under" as const, symbol: "XYZ", value_usd: "0", target_pct: "50", price_usd: null };
    const rows = allocationRows(
      allocation({
        lines: [
          { ...line, symbol: "ETH", asset_id: "e", value_usd: "3000", price_usd: "3000", price_source: "coingecko", price_at: "2026-12-03T11:55:00Z", price_stale: true },
          { ...line, asset_id: "x" },
          { ...line, symbol: "CASH", is_cash: true, value_usd: "0" },
        ],
      }),
    );
    render(<HoldingsTable rows={rows} now={now} />);
    const bySymbol = Object.fromEntries(screen.getAllByTestId("holding-row").map((r) => [r.getAttribute("data-symbol"), r.textContent ?? ""]));
    expect(bySymbol.XYZ).toContain("unpriced");
    expect(bySymbol.CASH).toContain("$0.00");
    expect(bySymbol.ETH).toContain("price 5 min ago · coingecko");
    expect(bySymbol.ETH).toContain("stale");
  });
});

describe("a portfolio none of whose accounts was read", () => {
  it("is unknown, not $0, until one of them has been read", async () => {
    const { nothingRead } = await import("@/features/portfolios/components/PortfolioDetail");
    expect(nothingRead({ accounts_not_read: 2 }, 2)).toBe(true);
    expect(nothingRead({ accounts_not_read: 1 }, 2)).toBe(false);
    expect(nothingRead({ accounts_not_read: 0 }, 0)).toBe(false);
  });
});
