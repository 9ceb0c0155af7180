import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { account } from "@/test/fixtures";
import { checkManualHolding, ManualHoldings } from "./ManualHoldings";

afterEach(() => vi.unstubAllGlobals());

describe("checkManualHolding", () => {
  it("names every bad field at once, in plain words", () => {
    const errors = checkManualHolding("", "-1", "x".repeat(201));
    expect(Object.keys(errors).sort()).toEqual(["asset", "note", "quantity"]);
    expect(errors.quantity).toMatch(/cannot be negative/);
  });

  it("takes plain decimals only, never exponents or commas", () => {
    expect(checkManualHolding("BTC", "0.5", "")).toEqual({});
    expect(checkManualHolding("BTC", "0", "")).toEqual({});
    for (const bad of ["1e5", "1,5", ".5", "1.", "abc"]) expect(checkManualHolding("BTC", bad, "").quantity).toBeDefined();
  });
});

describe("ManualHoldings", () => {
  it("sends the quantity as the exact text typed and shows the edit history", async () => {
    const manual = account({ account_type: "manual", wallet_address: null, enabled_chains: [] });
    const sent: unknown[] = [];
    mockBackend({
      [`GET /accounts/${manual.id}/manual-holdings/history`]: () =>
        jsonResponse([{ id: "e1", asset_id: "a1", symbol: "BTC", quantity: "1.000000000000000001", note: "Ledger", entered_at: "2026-12-01T10:00:00Z" }]),
      [`PUT /accounts/${manual.id}/manual-holdings`]: ({ body }) => {
        sent.push(body);
        return jsonResponse(manual);
      },
    });
    const { wrapper: Wrapper } = wrapperWithClient();
    render(<ManualHoldings account={manual} />, { wrapper: Wrapper });
    fireEvent.change(screen.getByLabelText("Asset"), { target: { value: "BTC" } });
    fireEvent.change(screen.getByLabelText("Quantity"), { target: { value: "1.000000000000000001" } });
    fireEvent.click(screen.getByRole("button", { name: "Save holding" }));
    await waitFor(() => expect(sent).toEqual([{ asset: "BTC", quantity: "1.000000000000000001", note: null }]));
    expect(await screen.findByText("Ledger")).toBeDefined();
  });

  it("clears the form when the save is answered, and never wipes what is typed after", async () => {
    const manual = account({ account_type: "manual", wallet_address: null, enabled_chains: [] });
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    let puts = 0;
    mockBackend({
      // The history's refetch after the save is slow to come.
      [`GET /accounts/${manual.id}/manual-holdings/history`]: async () => {
        if (puts > 0) await slow;
        return jsonResponse([]);
      },
      [`GET /accounts`]: () => jsonResponse([]),
      [`PUT /accounts/${manual.id}/manual-holdings`]: () => {
        puts++;
        return jsonResponse({ ...manual, total_value_usd: "7500" });
      },
    });
    const { wrapper: Wrapper, client } = wrapperWithClient();
    render(<ManualHoldings account={manual} />, { wrapper: Wrapper });
    const asset = screen.getByLabelText("Asset") as HTMLInputElement;
    const quantity = screen.getByLabelText("Quantity") as HTMLInputElement;
    fireEvent.change(asset, { target: { value: "ETH" } });
    fireEvent.change(quantity, { target: { value: "2.5" } });
    fireEvent.click(screen.getByRole("button", { name: "Save holding" }));
    await waitFor(() => expect(client.getQueryData<{ total_value_usd: string }>(["accounts", "detail", manual.id])?.total_value_usd).toBe("7500"));
    await waitFor(() => expect([asset.value, quantity.value]).toEqual(["", ""]));
    // The next edit, typed while the history is still loading, stays.
    fireEvent.change(asset, { target: { value: "ETH" } });
    fireEvent.change(quantity, { target: { value: "3" } });
    release();
    await new Promise((r) => setTimeout(r, 50));
    expect([asset.value, quantity.value]).toEqual(["ETH", "3"]);
  });
});
