import { describe, expect, it } from "vitest";
import type { LedgerEntry } from "@/lib/api/types";
import { checkEntryForm, emptyForm, formOf, fromLocalInput, sidesOf, sourceLabel, toEntryRequest, toLocalInput, type EntryForm } from "./entry-form";

const base = (over: Partial<EntryForm> = {}): EntryForm => ({ ...emptyForm("acc-1", new Date("2025-03-01T09:30:00Z")), ...over });

describe("the entry form", () => {
  it("reads the date as UTC, with or without seconds", () => {
    expect(fromLocalInput("2025-03-01T09:30")).toBe("2025-03-01T09:30:00Z");
    expect(fromLocalInput("2025-03-01T09:30:15")).toBe("2025-03-01T09:30:15Z");
    expect(fromLocalInput("2025-02-30T09:30")).toBeNull();
    expect(fromLocalInput("yesterday")).toBeNull();
    expect(toLocalInput("2025-03-01T09:30:00.123456Z")).toBe("2025-03-01T09:30:00");
  });

  it("asks each kind for its own amounts", () => {
    expect(sidesOf("trade")).toEqual({ sent: true, received: true });
    expect(sidesOf("income")).toEqual({ sent: false, received: true });
    expect(sidesOf("spend")).toEqual({ sent: true, received: false });
    expect(sidesOf("transfer")).toEqual({ sent: true, received: "optional" });
  });

  it("finds every problem before sending, by the API's field names", () => {
    const errors = checkEntryForm(base({ sent: { quantity: "1e3", asset: "USD" }, received: { quantity: "1", asset: "" }, value_usd: "-5", occurred_at: "" }));
    expect(Object.keys(errors).sort()).toEqual(["occurred_at", "received", "sent", "value_usd"]);
    expect(checkEntryForm(base({ kind: "transfer", sent: { quantity: "1", asset: "BTC" } }))).toEqual({ to_account_id: "Choose the account it went to." });
    expect(checkEntryForm(base({ kind: "transfer", sent: { quantity: "1", asset: "BTC" }, to_account_id: "acc-1" })).to_account_id).toMatch(/another/);
    // A fee is optional, but half of one is not.
    expect(checkEntryForm(base({ sent: { quantity: "100", asset: "USD" }, received: { quantity: "1", asset: "BTC" }, fee: { quantity: "2", asset: "" } }))).toEqual({ fee: expect.stringMatching(/asset/) });
  });

  it("builds the request with only the kind's amounts, decimals as typed", () => {
    const f = base({
      kind: "income",
      sent: { quantity: "9", asset: "ETH" },
      received: { quantity: "0.000000000000000001", asset: "eth" },
      value_usd: " 25.10 ",
      income_kind: "staking",
      note: "  ",
    });
    expect(checkEntryForm(f)).toEqual({});
    expect(toEntryRequest(f)).toEqual({
      account_id: "acc-1",
      kind: "income",
      occurred_at: "2025-03-01T09:30:00Z",
      sent: null,
      received: { asset: "eth", quantity: "0.000000000000000001" },
      fee: null,
      value_usd: "25.10",
      fee_value_usd: null,
      income_kind: "staking",
      to_account_id: null,
      note: null,
    });
    const t = toEntryRequest(base({ kind: "transfer", sent: { quantity: "1", asset: "BTC" }, to_account_id: "acc-2" }));
    expect(t).toMatchObject({ kind: "transfer", to_account_id: "acc-2", received: null, income_kind: null });
  });

  it("edits an entry keeping its exact time and its assets by id while their symbols are unchanged", () => {
    const entry = {
      id: "e1",
      account_id: "acc-1",
      kind: "trade",
      occurred_at: "2025-03-01T09:30:00.250Z",
      sent: { asset_id: "btc-id", symbol: "BTC", quantity: "0.4" },
      received: { asset_id: null, symbol: "USD", quantity: "30000" },
      fee: null,
      value_usd: null,
      fee_value_usd: null,
      income_kind: null,
      transfer_id: null,
      source: "manual",
      external_id: "manual-1",
      note: "roof",
      created_at: "2025-03-01T09:30:00Z",
      updated_at: "2025-03-01T09:30:00Z",
    } satisfies LedgerEntry;
    const f = formOf(entry);
    expect(f.sent).toEqual({ quantity: "0.4", asset: "BTC" });
    const req = toEntryRequest({ ...f, received: { quantity: "31000", asset: "USD" } }, entry);
    expect(req.occurred_at).toBe("2025-03-01T09:30:00.250Z");
    expect(req.sent).toEqual({ asset: "btc-id", quantity: "0.4" });
    expect(req.received).toEqual({ asset: "USD", quantity: "31000" });
    expect(toEntryRequest({ ...f, sent: { quantity: "0.4", asset: "ETH" }, occurred_at: "2025-03-02T10:00" }, entry)).toMatchObject({ sent: { asset: "ETH" }, occurred_at: "2025-03-02T10:00:00Z" });
  });

  it("names sources in words", () => {
    expect(sourceLabel("manual")).toBe("Manual");
    expect(sourceLabel("csv:koinly")).toBe("CSV (Koinly)");
    expect(sourceLabel("okx")).toBe("Okx");
  });
});
