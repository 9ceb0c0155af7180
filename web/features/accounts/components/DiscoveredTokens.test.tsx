import { describe, expect, it } from "vitest";
import { account } from "@/test/fixtures";
import type { Holding } from "@/lib/api/types";
import { splitHoldings } from "./DiscoveredTokens";
import { holdingRows } from "./AccountDetail";

const h = (symbol: string, flags: string[]): Holding => ({
  ...account().holdings[0],
  symbol,
  flags,
  chain: "ethereum",
  contract_address: `0x${symbol.toLowerCase().padStart(40, "0")}`,
});

describe("splitHoldings", () => {
  it("keeps unverified and spam tokens out of the counted rows", () => {
    const holdings = [h("ETH", []), h("ODD", ["unverified"]), h("USDC", ["spam"]), h("OLD", ["not_refreshed"])];
    const { counted, unverified, spam } = splitHoldings(holdings);
    expect(counted.map((x) => x.symbol)).toEqual(["ETH", "OLD"]);
    expect(unverified.map((x) => x.symbol)).toEqual(["ODD"]);
    expect(spam.map((x) => x.symbol)).toEqual(["USDC"]);
    expect(holdingRows(account({ holdings })).map((r) => r.symbol)).toEqual(["ETH", "OLD"]);
  });
});
