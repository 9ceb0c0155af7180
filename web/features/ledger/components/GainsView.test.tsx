import { render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { GainsView } from "./GainsView";

vi.mock("next/navigation", () => ({ usePathname: () => "/ledger/gains" }));
afterEach(() => vi.unstubAllGlobals());

const missing = { reason: "missing_history", account_id: "acc", entry_id: null, quantity: "-0.6", message: "Book: the ledger says 1.6, the last sync read 1" };

describe("GainsView", () => {
  it("shows incomplete and unknown figures as words, never as 0, and warns of each difference", async () => {
    mockBackend({
      "GET /ledger/pnl": () =>
        jsonResponse({
          method: "fifo",
          pooling: "per_account",
          as_of: "2026-12-07T00:00:00Z",
          assets: [
            { asset_id: "eth", symbol: "ETH", quantity: "1.6", cost_usd: null, price_usd: "3000", value_usd: "4800", unrealized_usd: null, realized_usd: null, income_usd: null, incomplete: true, missing: [missing] },
            { asset_id: "sol", symbol: "SOL", quantity: "2", cost_usd: "300", price_usd: null, value_usd: null, unrealized_usd: null, realized_usd: "0", income_usd: "0", incomplete: false, missing: [] },
          ],
          realized_usd: null,
          unrealized_usd: null,
          income_usd: null,
        }),
      "GET /ledger/reconciliation": () =>
        jsonResponse({
          differences: 1,
          assets: [{ account_id: "acc", account_name: "Book", asset_id: "eth", symbol: "ETH", ledger_quantity: "1.6", held_quantity: "1", difference: "-0.6", status: "missing_history", synced_at: null }],
        }),
      "GET /ledger/gains": () => jsonResponse({ year: 2025, method: "fifo", pooling: "per_account", disposals: [], income: [], totals: null, incomplete_assets: [{ asset_id: "eth", symbol: "ETH", missing: [missing] }] }),
      "GET /ledger/settings": () => jsonResponse({ method: "fifo", pooling: "per_account" }),
    });
    const { wrapper: Wrapper } = wrapperWithClient();
    render(<GainsView />, { wrapper: Wrapper });

    const rows = await screen.findAllByTestId("pnl-row");
    const row = (symbol: string) => within(rows.find((r) => r.dataset.asset === symbol)!);
    const ethRow = row("ETH");
    expect(ethRow.getByTestId("pnl-value").textContent).toContain("incomplete");
    expect(ethRow.getByTestId("pnl-cost").textContent).toContain("incomplete");
    const solRow = row("SOL");
    expect(solRow.getByTestId("pnl-cost").textContent).toContain("$300.00");
    expect(solRow.getByTestId("pnl-value").textContent).toContain("unknown");
    expect(solRow.getByTestId("pnl-unrealized").textContent).toContain("unknown");
    expect(solRow.getByTestId("pnl-realized").textContent).toContain("$0.00");
    expect(screen.getByTestId("pnl-total-realized").textContent).toContain("unknown");
    expect(screen.getAllByText("Book: the ledger says 1.6, the last sync read 1").length).toBeGreaterThan(0);

    const warning = screen.getByTestId("reconciliation-warning");
    expect(within(warning).getByTestId("reconciliation-difference").textContent).toContain("-0.6");
    expect((await screen.findByTestId("gains-incomplete")).textContent).toMatch(/No totals for \d{4}/);
    expect(screen.getByTestId("gains-total-gain-or-loss").textContent).toContain("incomplete");
  });
});
