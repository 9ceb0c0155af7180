import { describe, expect, it } from "vitest";
import { ACCOUNT_KINDS_TEXT, accountBadge } from "./account-kinds";

describe("account kinds", () => {
  it("a row's badge names the kind: Manual, EVM wallet, Solana wallet, the exchange", () => {
    expect(accountBadge({ account_type: "manual", chain_family: null, exchange_name: null })).toBe("Manual");
    expect(accountBadge({ account_type: "wallet", chain_family: "evm", exchange_name: null })).toBe("EVM wallet");
    expect(accountBadge({ account_type: "wallet", chain_family: "solana", exchange_name: null })).toBe("Solana wallet");
    expect(accountBadge({ account_type: "exchange", chain_family: null, exchange_name: "okx" })).toBe("OKX");
    expect(accountBadge({ account_type: "exchange", chain_family: null, exchange_name: "binance" })).toBe("Binance");
  });

  it("the welcome names every kind that can be added", () => {
    for (const kind of ["OKX", "Binance", "EVM", "Solana", "manual"]) expect(ACCOUNT_KINDS_TEXT).toContain(kind);
  });
});
