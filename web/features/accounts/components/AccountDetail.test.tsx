import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { account } from "@/test/fixtures";
import { wrapperWithClient } from "@/test/utils";
import { accountTypeLabel, holdingRows, syncProblemText } from "./AccountDetail";
import { accountsTotalText } from "./AccountsView";
import { LocationList, LocationProblems } from "./SyncStatus";

const twoWeeksAgo = new Date(Date.now() - 14 * 24 * 3600 * 1000).toISOString();

describe("account faults", () => {
  it("marks kept, borrowed and out-of-range holdings and shows the exact text", () => {
    const a = account({
      holdings: [
        { symbol: "ETH", location: "base", quantity: "2", is_dust: false, identified_by: "registry", kind: "spot", flags: ["not_refreshed"], synced_at: twoWeeksAgo },
        { symbol: "BTC", location: "trading", quantity: "-0.5", value_usd: "-30000", is_dust: false, identified_by: "symbol", kind: "borrowed", flags: [] },
        { symbol: "MAX", location: "ethereum", quantity: "0", quantity_text: "1157920892373161954235709850086879078532699846656405640394575840079131.29639935", is_dust: false, identified_by: "unknown", flags: ["out_of_range"] },
      ],
    });
    const [kept, owed, huge] = holdingRows(a);
    expect(kept.note).toMatch(/^not refreshed, read 2 weeks ago$/);
    expect(owed.note).toBe("borrowed");
    expect(huge.quantity).toContain("1157920892373161954235709850086879078532699846656405640394575840079131");
    expect(huge.note).toBe("too large to count");
  });

  it("lists each location with its status, the age of its last read and why", () => {
    render(
      <LocationList
        locations={[
          { location: "ethereum", status: "ok", synced_at: new Date().toISOString() },
          { location: "base", status: "not_refreshed", synced_at: twoWeeksAgo, error: "the chain is disabled by the administrator" },
          { location: "arbitrum", status: "failed", synced_at: null, error: "evm:arbitrum did not answer in time" },
        ]}
      />,
      { wrapper: wrapperWithClient().wrapper },
    );
    const list = screen.getByTestId("locations");
    expect(list.textContent).toContain("not refreshed");
    expect(list.textContent).toContain("Chain disabled: balances kept from before");
    expect(list.textContent).toContain("never read");
    // The chain by its name; why it failed is said once, in the alert above (LocationProblems).
    expect(list.textContent).toContain("Arbitrum");
    expect(list.textContent).toContain("failed");
    expect(list.textContent).not.toContain("RPC timed out");
    expect(list.textContent).not.toContain("evm:arbitrum");
  });

  it("says one line per cause: a wallet with no network is one line, not one per chain and protocol", () => {
    const a = account({
      id: "w",
      name: "Cold wallet",
      account_type: "wallet",
      chain_family: "evm",
      last_sync_status: "error",
      locations: [
        { location: "ethereum", status: "failed", synced_at: null, error: "evm:ethereum cannot be reached: error sending request" },
        { location: "ethereum:aave-v3", status: "failed", synced_at: null, error: "evm:ethereum cannot be reached: dns error" },
        { location: "ethereum:uniswap-v3", status: "failed", synced_at: null, error: "evm:ethereum cannot be reached" },
        { location: "base", status: "failed", synced_at: twoWeeksAgo, error: "evm:base did not answer in time" },
      ],
    });
    render(<LocationProblems account={a} />, { wrapper: wrapperWithClient().wrapper });
    const lines = screen.getAllByTestId("sync-problem");
    expect(lines.map((l) => l.textContent)).toEqual([
      "Ethereum, Aave v3 on Ethereum, Uniswap v3 on Ethereum: RPC cannot be reached · never read · an admin can check the RPC in Admin → Chains",
      "Base: RPC timed out · last good read 2 weeks ago · an admin can check the RPC in Admin → Chains",
    ]);
  });
});

describe("account type", () => {
  it("names a wallet by its chain family", () => {
    expect(accountTypeLabel(account({ account_type: "wallet", chain_family: "solana" }))).toBe("Solana wallet");
    expect(accountTypeLabel(account({ account_type: "wallet", chain_family: "evm" }))).toBe("EVM wallet");
    expect(accountTypeLabel(account({ account_type: "manual" }))).toBe("Manual");
  });
});

describe("an account never read", () => {
  it("does not claim balances from a last good read there never was", () => {
    expect(syncProblemText(account({ last_sync_status: "error", total_value_usd: null }))).toBe("The first sync failed: nothing has been read yet, so there are no balances to show.");
    expect(syncProblemText(account({ last_sync_status: "error", total_value_usd: "5", last_synced_at: twoWeeksAgo }))).toMatch(/Balances are from the last good read/);
  });
  it("is worth not read yet on the list, and the list's total says what it lacks", () => {
    expect(accountsTotalText("0", 2, 2)).toBe("not read yet");
    expect(accountsTotalText("120000", 1, 2)).toBe("$120,000.00 (1 not read yet)");
    expect(accountsTotalText("0", 0, 1)).toBe("$0.00");
  });
});
