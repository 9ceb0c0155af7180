import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { account } from "@/test/fixtures";
import { wrapperWithClient } from "@/test/utils";
import { rawToDecimal } from "@/lib/decimal";
import type { Holding } from "@/lib/api/types";
import { holdingRows } from "./AccountDetail";
import { DefiPositions, feeTierLabel, truncate2 } from "./DefiPositions";

/** Details are free-form JSON in the schema. */
const d = (v: object) => v as unknown as Holding["details"];
const aave = d({ protocol: "aave-v3", health_factor: "1.4999", collateral: true });
const lp = (side: string, principal: string, fees: string) =>
  d({ protocol: "uniswap-v3", position_id: "7", side, fee_tier: 3000, in_range: true, principal_raw: principal, fees_raw: fees });

const withPositions = () =>
  account({
    holdings: [
      { symbol: "WETH", location: "ethereum:aave-v3", chain: "ethereum", quantity: "10", value_usd: "20000", is_dust: false, identified_by: "registry", kind: "supplied", flags: [], decimals: 18, details: aave },
      { symbol: "USDC", location: "ethereum:aave-v3", chain: "ethereum", quantity: "-5000", value_usd: "-5000", is_dust: false, identified_by: "registry", kind: "borrowed", flags: [], decimals: 6, details: aave },
      { symbol: "USDC", location: "ethereum:uniswap-v3", chain: "ethereum", quantity: "1002.5", value_usd: "1002.5", is_dust: false, identified_by: "registry", kind: "lp", flags: [], decimals: 6, details: lp("token1", "1000000000", "2500000") },
      { symbol: "ETH", location: "ethereum", chain: "ethereum", quantity: "1", value_usd: "2000", is_dust: false, identified_by: "registry", kind: "spot", flags: [] },
    ],
    defi: [
      { protocol: "aave-v3", chain: "ethereum", location: "ethereum:aave-v3", health_factor: "1.4999", health_warning: true, net_value_usd: "15000", holdings: 2, positions: 2 },
      { protocol: "uniswap-v3", chain: "ethereum", location: "ethereum:uniswap-v3", health_factor: null, health_warning: false, net_value_usd: null, holdings: 1, positions: 1 },
    ],
  });

describe("DeFi positions", () => {
  it("turns raw integers into exact decimals and fee tiers into percents", () => {
    expect(rawToDecimal("1500000", 6)).toBe("1.5");
    expect(rawToDecimal("5", 6)).toBe("0.000005");
    expect(rawToDecimal("1000000000000000000", 18)).toBe("1");
    expect(rawToDecimal("-1", 6)).toBeNull();
    expect(feeTierLabel(3000)).toBe("0.3%");
    expect(feeTierLabel(500)).toBe("0.05%");
    expect(feeTierLabel(10000)).toBe("1%");
    // A health factor is cut, never rounded up into safety.
    expect(truncate2("1.4999")).toBe("1.49");
    expect(truncate2("3")).toBe("3.00");
  });

  it("groups positions by protocol, warns on a low health factor, and keeps them out of the plain list", () => {
    const a = withPositions();
    render(<DefiPositions account={a} />, { wrapper: wrapperWithClient().wrapper });
    const groups = screen.getAllByTestId("defi-group");
    expect(groups).toHaveLength(2);
    expect(within(groups[0]).getByTestId("health-factor").textContent).toBe("Health factor 1.49 · at risk");
    expect(groups[0].textContent).toContain("$15,000.00");
    expect(groups[1].textContent).toContain("incomplete");
    expect(screen.getAllByTestId("aave-row").map((r) => r.textContent)).toEqual([
      expect.stringContaining("Supplied"),
      expect.stringContaining("Borrowed"),
    ]);
    const position = screen.getByTestId("lp-position");
    expect(position.textContent).toContain("Position #7");
    expect(position.textContent).toContain("fee 0.3%");
    expect(position.textContent).toContain("In range");
    expect(position.textContent).toContain("1,000");
    expect(position.textContent).toContain("2.5");
    expect(holdingRows(a).map((r) => r.symbol)).toEqual(["ETH"]);
  });
});
