import { fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HoldingsTable, holdingsCsv, type HoldingRow } from "./HoldingsTable";

const accountRows: HoldingRow[] = [
  { key: "1", symbol: "USDC", location: "funding", quantity: "250.500000", priceUsd: "1", valueUsd: "250.5" },
  { key: "2", symbol: "ETH", location: "ethereum", quantity: "1.234567890123456789", priceUsd: "3000", valueUsd: "3703.70367" },
  { key: "3", symbol: "ODD, \"Inc\"", location: "base", quantity: "5", priceUsd: null, valueUsd: null },
];

afterEach(() => vi.unstubAllGlobals());

describe("HoldingsTable", () => {
  it("lists holdings by value, largest first, with unpriced ones marked", () => {
    render(<HoldingsTable rows={accountRows} />);
    const rows = screen.getAllByTestId("holding-row");
    expect(rows.map((r) => r.getAttribute("data-symbol"))).toEqual(["ETH", "USDC", 'ODD, "Inc"']);
    expect(rows[0].textContent).toContain("$3,703.70");
    expect(rows[0].textContent).toContain("1.23456789…");
    expect(rows[2].textContent).toContain("unpriced");
  });

  it("exports the exact decimal strings as CSV, quoting where needed", () => {
    const csv = holdingsCsv(accountRows);
    expect(csv.split("\r\n")).toEqual([
      "symbol,location,quantity,price_usd,value_usd",
      "USDC,funding,250.500000,1,250.5",
      "ETH,ethereum,1.234567890123456789,3000,3703.70367",
      '"ODD, ""Inc""",base,5,,',
      "",
    ]);
  });

  it("adds target, drift and status columns for a portfolio", () => {
    const csv = holdingsCsv([{ key: "e", symbol: "ETH", quantity: "2", valueUsd: "6000", currentPct: "100", targetPct: "60", status: "over", driftPoints: "40" }]);
    expect(csv.split("\r\n")[0]).toBe("symbol,quantity,value_usd,current_pct,target_pct,drift_pct_points,status");
    expect(csv.split("\r\n")[1]).toBe("ETH,2,6000,100,60,40,over");
  });

  it("downloads the CSV from the export button", async () => {
    const created: Blob[] = [];
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: vi.fn((b: Blob) => (created.push(b), "blob:x")), revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    render(<HoldingsTable rows={accountRows} csvFilename="holdings.csv" />);
    fireEvent.click(screen.getByRole("button", { name: "Export CSV" }));
    expect(click).toHaveBeenCalledOnce();
    const text = await new Promise<string>((resolve) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result));
      r.readAsText(created[0]);
    });
    expect(text).toContain("ETH,ethereum,1.234567890123456789");
  });
});
