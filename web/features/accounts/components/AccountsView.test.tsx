import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { account } from "@/test/fixtures";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { AccountsView } from "./AccountsView";

afterEach(() => vi.unstubAllGlobals());

describe("the accounts list", () => {
  it("labels each kind (Manual, EVM wallet, Solana wallet, the exchange) and filters manual accounts", async () => {
    mockBackend({
      "GET /accounts": () =>
        jsonResponse([
          account({ id: "m", name: "Cold storage", account_type: "manual", exchange_name: null, wallet_address: null, chain_family: null }),
          account({ id: "w", name: "Ledger", account_type: "wallet", chain_family: "evm", wallet_address: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" }),
          account({ id: "s", name: "Phantom", account_type: "wallet", chain_family: "solana", wallet_address: "So11111111111111111111111111111111111111112" }),
          account({ id: "o", name: "My OKX", account_type: "exchange", exchange_name: "okx", wallet_address: null, chain_family: null }),
        ]),
      "GET /chains": () => jsonResponse([]),
      "GET /accounts/sync-progress": () => jsonResponse([]),
      "GET /me": () => jsonResponse({ is_admin: false }),
    });
    render(<AccountsView />, { wrapper: wrapperWithClient().wrapper });
    await waitFor(() => expect(screen.getAllByTestId("account-row")).toHaveLength(4));
    const kind = (name: string) => within(screen.getAllByTestId("account-row").find((r) => r.getAttribute("data-account-name") === name)!).getByTestId("account-kind").textContent;
    expect(kind("Cold storage")).toBe("Manual");
    expect(kind("Ledger")).toBe("EVM wallet");
    expect(kind("Phantom")).toBe("Solana wallet");
    expect(kind("My OKX")).toBe("OKX");
    fireEvent.change(screen.getByLabelText("Show"), { target: { value: "manual" } });
    expect(screen.getAllByTestId("account-row").map((r) => r.getAttribute("data-account-name"))).toEqual(["Cold storage"]);
  });

  it("shows an account's first sync, started by the API as it was added elsewhere, once it is done", async () => {
    let reads = 0;
    mockBackend({
      "GET /accounts": () => {
        reads += 1;
        return jsonResponse([account({ id: "n", name: "New wallet", last_sync_status: reads === 1 ? null : "ok", last_synced_at: reads === 1 ? null : new Date().toISOString() })]);
      },
      "GET /chains": () => jsonResponse([]),
      "GET /accounts/sync-progress": () => jsonResponse([{ account_id: "n", account_name: "New wallet", status: "ok", queued_at: "2026-01-01T00:00:00Z", finished_at: "2026-01-01T00:00:01Z", steps: [] }]),
      "GET /me": () => jsonResponse({ is_admin: false }),
    });
    render(<AccountsView />, { wrapper: wrapperWithClient().wrapper });
    await waitFor(() => expect(screen.getByTestId("sync-status").textContent).toBe("Synced"));
    expect(reads).toBe(2);
  });
});
