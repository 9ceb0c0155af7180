import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { account, allocation, portfolio, recommendation } from "@/test/fixtures";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { RecommendationCard, RecommendationsBody } from "./RecommendationsView";

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

describe("RecommendationsBody", () => {
  const P = "22222222-2222-4222-8222-222222222222";
  const W = "77777777-7777-4777-8777-777777777777";
  const targets = [{ symbol: "ETH", asset_id: "55555555-5555-4555-8555-555555555555", target_pct: "50" }];
  const walletDown = {
    reason: "sync_failed" as const,
    symbol: "Old wallet",
    asset_id: null,
    message: "the last sync of Old wallet failed (refused); its last good data is 2 days old: sync it again",
    accounts: [W],
    price_at: null,
  };

  afterEach(() => vi.unstubAllGlobals());

  it("offers to leave out an unreachable account that holds nothing, and the advice says so", async () => {
    let posted: string | undefined;
    const made = recommendation({ excluded_accounts: [{ id: W, name: "Old wallet" }] });
    mockBackend({
      [`GET /portfolios/${P}/allocation`]: () => jsonResponse(allocation({ blocking: [{ ...walletDown, excludable: true }] })),
      [`GET /portfolios/${P}/recommendations`]: () => jsonResponse(posted ? [made] : []),
      [`GET /accounts`]: () => jsonResponse([account({ id: W, name: "Old wallet" })]),
      [`POST /portfolios/${P}/recommendations`]: ({ url }) => {
        posted = url;
        return jsonResponse(made, 201);
      },
    });
    const { wrapper: Wrapper } = wrapperWithClient();
    render(
      <Wrapper>
        <RecommendationsBody portfolio={portfolio({ id: P, target_allocation: targets })} />
      </Wrapper>,
    );
    const offer = await screen.findByTestId("leave-out");
    expect(offer.textContent).toContain("Old wallet could not be read and holds nothing the Butler knows of.");
    expect(screen.getByRole("button", { name: "Generate recommendations" })).toHaveProperty("disabled", true);
    fireEvent.click(screen.getByRole("button", { name: "Generate without Old wallet" }));
    await waitFor(() => expect(posted).toBeDefined());
    expect(posted).toContain(`/portfolios/${P}/recommendations?exclude_accounts=${W}`);
    const note = await screen.findByTestId("recommendation-left-out");
    expect(note.textContent).toContain("Leaves out, at your request: Old wallet");
  });

  it("offers nothing to leave out when an account holding assets failed, or something else is missing", async () => {
    mockBackend({
      [`GET /portfolios/${P}/allocation`]: () =>
        jsonResponse(
          allocation({
            blocking: [
              { ...walletDown, excludable: true },
              { reason: "no_price", symbol: "XYZ", asset_id: null, message: "XYZ has no price", accounts: [], price_at: null },
            ],
          }),
        ),
      [`GET /portfolios/${P}/recommendations`]: () => jsonResponse([]),
      [`GET /accounts`]: () => jsonResponse([account({ id: W, name: "Old wallet" })]),
    });
    const { wrapper: Wrapper } = wrapperWithClient();
    render(
      <Wrapper>
        <RecommendationsBody portfolio={portfolio({ id: P, target_allocation: targets })} />
      </Wrapper>,
    );
    await screen.findAllByTestId("blocking-item");
    expect(screen.queryByTestId("leave-out")).toBeNull();
    expect(screen.queryByRole("button", { name: /Generate without/ })).toBeNull();
  });
});
