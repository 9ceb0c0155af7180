import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { account } from "@/test/fixtures";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { ExchangeHistory } from "./ExchangeHistory";

const X = "88888888-8888-4888-8888-888888888888";

afterEach(() => vi.unstubAllGlobals());

describe("ExchangeHistory", () => {
  it("reads an exchange account's history and says what each kind added and what could not be read", async () => {
    let posted = 0;
    mockBackend({
      [`POST /accounts/${X}/history/sync`]: () => {
        posted++;
        return jsonResponse({
          account_id: X,
          source: "okx",
          kinds: [
            { kind: "deposits", fetched: 3, added: 2, requests: 1, failed: [] },
            { kind: "trades", fetched: 0, added: 0, requests: 2, failed: [{ part: "trades", reason: "OKX answered 50011: too many requests" }] },
            { kind: "rewards", fetched: 8, added: 8, requests: 8, failed: [] },
          ],
          unresolved: [{ kind: "deposits", external_id: "dep:9", reason: "no asset for symbol ZZZ" }],
        });
      },
    });
    const { wrapper: Wrapper } = wrapperWithClient();
    render(
      <Wrapper>
        <ExchangeHistory
          accounts={[
            account({ id: X, name: "My OKX", account_type: "exchange", exchange_name: "okx", wallet_address: null }),
            account({ name: "Cold wallet" }),
          ]}
        />
      </Wrapper>,
    );
    // Only the exchange account is offered.
    expect(screen.getAllByTestId("exchange-history")).toHaveLength(1);
    fireEvent.click(screen.getByRole("button", { name: "Import history" }));
    const report = await screen.findByTestId("history-report");
    expect(posted).toBe(1);
    expect(report.textContent).toContain("Deposits: 2 added (3 read, 1 request)");
    expect(report.textContent).toContain("Rewards: 8 added (8 read, 8 requests)");
    expect(screen.getByTestId("history-failed").textContent).toBe("Not read: trades: OKX answered 50011: too many requests");
    expect(report.textContent).toContain("1 record was read but not stored");
  });

  it("says what to add when there is no exchange account", async () => {
    const { wrapper: Wrapper } = wrapperWithClient();
    render(
      <Wrapper>
        <ExchangeHistory accounts={[account({ name: "Cold wallet" })]} />
      </Wrapper>,
    );
    await waitFor(() => expect(screen.getByText(/No exchange account yet/)).toBeTruthy());
    expect(screen.queryByRole("button", { name: "Import history" })).toBeNull();
  });
});
