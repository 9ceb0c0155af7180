import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { portfolio } from "@/test/fixtures";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { TargetsAndGuardrails, targetsSum } from "./PortfolioSettings";

const P = "22222222-2222-4222-8222-222222222222";

afterEach(() => vi.unstubAllGlobals());

describe("portfolio settings", () => {
  it("adds the targets exactly", () => {
    expect(targetsSum([{ pct: "33.3" }, { pct: "33.3" }, { pct: "33.4" }])).toBe("100");
    expect(targetsSum([{ pct: "0.1" }, { pct: "0.2" }])).toBe("0.3");
    expect(targetsSum([{ pct: "50" }, { pct: "" }, { pct: "abc" }, { pct: " 25.5 " }])).toBe("75.5");
  });

  it("shows 100% only when the targets add up to exactly 100 and sends them as decimal strings", async () => {
    const p = portfolio({
      target_allocation: [
        { symbol: "ETH", asset_id: "55555555-5555-4555-8555-555555555555", target_pct: "33.3" },
        { symbol: "BTC", asset_id: "66666666-6666-4666-8666-666666666666", target_pct: "33.3" },
      ],
    });
    let sent: Record<string, unknown> | undefined;
    mockBackend({
      [`PUT /portfolios/${P}`]: ({ body }) => {
        sent = body as Record<string, unknown>;
        return jsonResponse(p);
      },
    });
    const { wrapper: Wrapper } = wrapperWithClient();
    render(
      <Wrapper>
        <TargetsAndGuardrails portfolio={p} />
      </Wrapper>,
    );
    expect(screen.getByTestId("targets-sum").textContent).toBe("Total 66.6%");
    fireEvent.click(screen.getByRole("button", { name: "Add CASH" }));
    fireEvent.change(screen.getByLabelText("Target % of asset 3"), { target: { value: "33.4" } });
    expect(screen.getByTestId("targets-sum").textContent).toBe("Total 100%");
    expect(screen.getByTestId("targets-sum").className).toContain("text-emerald-600");
    fireEvent.change(screen.getByLabelText("Target % of asset 3"), { target: { value: "33.4000000000000001" } });
    expect(screen.getByTestId("targets-sum").textContent).toBe("Total 100.0000000000000001%");
    expect(screen.getByTestId("targets-sum").className).toContain("text-rose-600");
    fireEvent.change(screen.getByLabelText("Target % of asset 3"), { target: { value: "33.4" } });
    fireEvent.change(screen.getByLabelText("Minimum trade (USD)"), { target: { value: "25.50" } });
    fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(sent).toBeDefined());
    expect(sent!.target_allocation).toEqual([
      { asset: "55555555-5555-4555-8555-555555555555", target_pct: "33.3" },
      { asset: "66666666-6666-4666-8666-666666666666", target_pct: "33.3" },
      { asset: "CASH", target_pct: "33.4" },
    ]);
    const g = sent!.guardrails as Record<string, unknown>;
    expect(g.min_trade_usd).toBe("25.50");
    for (const k of ["drift_band_abs_pct", "drift_band_rel_pct", "min_trade_usd", "max_turnover_pct"]) expect(typeof g[k]).toBe("string");
  });
});
