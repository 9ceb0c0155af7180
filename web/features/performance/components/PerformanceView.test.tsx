import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { PerformanceView } from "./PerformanceView";

afterEach(() => vi.unstubAllGlobals());

const twr = (value: string | null, basis = "cumulative") => ({ value, basis, definition: "How the holdings grew, leaving out when money came in or went out" });
const mwr = (value: string | null) => ({ value, basis: "annualised", definition: "The yearly rate your money earned (XIRR)" });
const bench = (name: string, value: string | null) => ({ name, value_usd: value, time_weighted: twr(value ? "0.05" : null), series: [{ date: "2026-12-06", value_usd: value }, { date: "2026-12-07", value_usd: value }] });

const known = {
  account_id: null,
  from: "2026-12-06",
  to: "2026-12-07",
  series: [
    { date: "2026-12-06", value_usd: "3000", money_in_usd: "3000", money_out_usd: "0" },
    { date: "2026-12-07", value_usd: "6000", money_in_usd: "2500", money_out_usd: "0" },
  ],
  time_weighted: twr("0.090909090909"),
  money_weighted: mwr("12.5"),
  profit_usd: "500",
  money_in_usd: "5500",
  money_out_usd: "0",
  benchmarks: [bench("BTC", null), bench("ETH", "5500"), bench("cash", "5500")],
  incomplete: null,
  prices: "daily closes from CoinGecko; 2 request(s)",
};

const unknown = {
  ...known,
  series: [known.series[0], { ...known.series[1], value_usd: null }],
  time_weighted: twr(null),
  money_weighted: mwr(null),
  profit_usd: null,
  incomplete: { day_count: 1, days: ["2026-12-07"], unpriced_assets: ["XYZ"], failed_backfills: ["XYZ: no price provider knows this asset"], unread_accounts: [] },
};

function backend(answer: (url: URL) => unknown) {
  const asked: URL[] = [];
  mockBackend({
    "GET /performance": ({ url }) => {
      const u = new URL(url, "http://x");
      asked.push(u);
      return jsonResponse(answer(u));
    },
    "GET /accounts": () => jsonResponse([{ id: "acc-1", name: "Book" }]),
    "GET /portfolios": () => jsonResponse([{ id: "pf-1", name: "Main" }]),
  });
  return asked;
}

function renderView() {
  const { wrapper: Wrapper } = wrapperWithClient();
  render(<PerformanceView />, { wrapper: Wrapper });
}

const card = (figure: string) => within(screen.getAllByTestId("return-card").find((c) => c.dataset.figure === figure)!);

describe("PerformanceView", () => {
  it("shows each return with its basis, definition and age, and says per-asset figures are not available when the API has none", async () => {
    backend(() => known);
    renderView();
    await screen.findByTestId("performance-chart");
    expect(card("time_weighted").getByTestId("figure-value").textContent).toBe("+9.09%");
    expect(card("time_weighted").getByTestId("figure-basis").textContent).toMatch(/cumulative/);
    expect(card("time_weighted").getByTestId("figure-definition").textContent).toMatch(/How the holdings grew/);
    expect(card("money_weighted").getByTestId("figure-value").textContent).toBe("+1,250.00%");
    expect(card("money_weighted").getByTestId("figure-basis").textContent).toMatch(/annualised/);
    expect(card("profit").getByTestId("figure-value").textContent).toBe("$500.00");
    expect(card("profit").getByTestId("money-in-out").textContent).toBe("Money in $5,500.00 · out $0.00");
    for (const c of screen.getAllByTestId("return-card")) expect(within(c).getByTestId("figure-age").textContent).toMatch(/^to /);
    expect(screen.getByTestId("performance-prices").textContent).toContain("daily closes from CoinGecko");
    expect(screen.getByTestId("assets-unavailable").textContent).toMatch(/not available/);
    expect(screen.queryByTestId("figure-why")).toBeNull();
    // BTC with no value reads unknown, not $0.
    const btc = screen.getAllByTestId("benchmark").find((b) => b.dataset.benchmark === "BTC")!;
    expect(within(btc).getByTestId("benchmark-value").textContent).toBe("unknown");
  });

  it("shows unknown figures as unknown with the reasons, and a day without a value as a gap", async () => {
    backend(() => unknown);
    renderView();
    await screen.findByTestId("performance-chart");
    for (const f of ["time_weighted", "money_weighted", "profit"]) {
      expect(card(f).getByTestId("figure-value").textContent).toBe("unknown");
      const why = card(f).getByTestId("figure-why").textContent;
      expect(why).toContain("no daily price for XYZ");
      expect(why).toContain("price history could not be fetched: XYZ: no price provider knows this asset");
      expect(why).toMatch(/1 day has no value/);
    }
    expect(screen.getByTestId("performance-chart").dataset.gaps).toBe("1");
    expect(screen.getByTestId("chart-gaps").textContent).toMatch(/not 0/);
    expect(screen.getByTestId("performance-incomplete")).toBeTruthy();
  });

  it("lists each asset's profit and contribution when the API sends them, unknown where it has none", async () => {
    backend(() => ({
      ...unknown,
      assets: [
        { asset_id: "eth", symbol: "ETH", start_value_usd: "0", end_value_usd: "6000", net_flows_usd: "5500", profit_usd: "500", contribution: { value: "0.0909", basis: "cumulative", definition: "The asset's part of the return" }, incomplete: false },
        { asset_id: "xyz", symbol: "XYZ", start_value_usd: null, end_value_usd: null, net_flows_usd: "0", profit_usd: null, contribution: { value: null, basis: "cumulative", definition: "The asset's part of the return" }, incomplete: true },
      ],
    }));
    renderView();
    const rows = await screen.findAllByTestId("asset-row");
    const row = (s: string) => within(rows.find((r) => r.dataset.asset === s)!);
    expect(row("ETH").getByTestId("asset-profit").textContent).toBe("$500.00");
    expect(row("ETH").getByTestId("asset-contribution").textContent).toBe("+9.09 pts");
    expect(row("XYZ").getByTestId("asset-profit").textContent).toBe("unknown");
    expect(row("XYZ").getByTestId("asset-end").textContent).toBe("unknown");
    expect(row("XYZ").getByTestId("asset-contribution").textContent).toBe("unknown");
    expect(row("XYZ").getByTestId("asset-why").textContent).toContain("no daily price for XYZ");
    expect(screen.getByTestId("contribution-definition").textContent).toContain("The asset's part of the return");
    expect(screen.queryByTestId("assets-unavailable")).toBeNull();
  });

  it("asks for the chosen range and scope, toggles benchmark lines, and checks a custom range before asking", async () => {
    const asked = backend(() => known);
    renderView();
    await screen.findByTestId("performance-chart");
    expect(asked.at(-1)!.searchParams.get("range")).toBe("ALL");
    fireEvent.click(screen.getByRole("button", { name: "1W" }));
    await waitFor(() => expect(asked.at(-1)!.searchParams.get("range")).toBe("1W"));
    expect(screen.getByRole("button", { name: "1W" }).getAttribute("aria-pressed")).toBe("true");

    const chart = screen.getByTestId("performance-chart");
    expect(chart.dataset.lines).toBe("value,cash");
    fireEvent.click(screen.getByRole("checkbox", { name: "ETH" }));
    expect(chart.dataset.lines).toBe("value,ETH,cash");
    fireEvent.click(screen.getByRole("checkbox", { name: "Cash" }));
    expect(chart.dataset.lines).toBe("value,ETH");

    await screen.findByRole("option", { name: "Book" });
    fireEvent.change(screen.getByLabelText("Accounts"), { target: { value: "account:acc-1" } });
    await waitFor(() => expect(asked.at(-1)!.searchParams.get("account_id")).toBe("acc-1"));

    fireEvent.click(screen.getByRole("button", { name: "Custom" }));
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "2026-12-01" } });
    fireEvent.change(screen.getByLabelText("To"), { target: { value: "2026-11-01" } });
    const count = asked.length;
    fireEvent.click(screen.getByRole("button", { name: "Show" }));
    expect(screen.getByTestId("custom-range-error").textContent).toMatch(/must not be after/);
    expect(asked.length).toBe(count);
    fireEvent.change(screen.getByLabelText("To"), { target: { value: "2026-12-02" } });
    fireEvent.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() => expect(asked.at(-1)!.searchParams.get("from")).toBe("2026-12-01"));
    expect(asked.at(-1)!.searchParams.get("to")).toBe("2026-12-02");
    expect(asked.at(-1)!.searchParams.get("range")).toBeNull();
  }, 30_000);

  it("says a portfolio cannot be the scope yet when the API refuses portfolio_id", async () => {
    mockBackend({
      "GET /performance": ({ url }) =>
        url.includes("portfolio_id") ? jsonResponse({ error: { code: "invalid_query", message: "unknown field `portfolio_id`" }, request_id: "r" }, 400) : jsonResponse(known),
      "GET /accounts": () => jsonResponse([]),
      "GET /portfolios": () => jsonResponse([{ id: "pf-1", name: "Main" }]),
    });
    renderView();
    await screen.findByTestId("performance-chart");
    await screen.findByRole("option", { name: "Portfolio: Main" });
    fireEvent.change(screen.getByLabelText("Accounts"), { target: { value: "portfolio:pf-1" } });
    expect((await screen.findByTestId("portfolio-scope-unavailable")).textContent).toContain("unknown field `portfolio_id`");
  });

  it("has an empty state before the ledger has entries", async () => {
    backend(() => ({ ...known, from: null, series: [], benchmarks: [], profit_usd: null, prices: "no ledger entries yet: add or import some to see a history" }));
    renderView();
    expect((await screen.findByText("No history yet")).textContent).toBeTruthy();
    expect(screen.getByRole("link", { name: "Go to the ledger" })).toBeTruthy();
  });
});
