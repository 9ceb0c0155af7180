import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api/client";
import { fieldLabel, looksInternal, plainMessage } from "@/lib/api/messages";
import { otherErrors } from "@/lib/api/field-errors";
import { plainSyncReason } from "@/lib/sync-text";
import { clearToasts, currentToasts, MAX_TOASTS, showToast } from "@/lib/toast";
import { groupSlices } from "@/components/portfolio/pie-groups";
import { byChainOrExchange, withOther } from "@/features/dashboard/breakdown";
import { validatePortfolio } from "@/features/portfolios/validate";
import { account } from "@/test/fixtures";
import type { NetWorth } from "@/lib/api/types";

afterEach(() => clearToasts());

describe("plain-language errors", () => {
  it("maps codes to sentences and never shows parser text, field paths or error chains", () => {
    expect(plainMessage(new ApiError(429, "rate_limited", "rate limited; retry after 3 s"))).toMatch(/^Too many requests/);
    expect(plainMessage(new ApiError(422, "invalid_body", "Failed to deserialize the JSON body into the target type: target_allocation[0]: invalid type: integer `5`, expected a string at line 1 column 40"))).not.toMatch(/deserialize|target_allocation\[0\]|line 1/);
    expect(plainMessage(new ApiError(500, "weird", "db: pool: timeout"))).toMatch(/^Something went wrong on the server/);
    expect(plainMessage(new ApiError(0, "network_error", "x"))).toMatch(/cannot be reached/);
    expect(plainMessage(new ApiError(409, "new_code", "This name is taken"))).toBe("This name is taken");
    expect(looksInternal("error sending request for url (http://x): dns error: failed to lookup address")).toBe(true);
  });

  it("names fields in words", () => {
    expect(fieldLabel("target_allocation[0].target_pct")).toBe("Target 1, percent");
    expect(fieldLabel("guardrails.min_trade_usd")).toBe("Minimum trade");
    expect(otherErrors({ "guardrails.never_sell[1]": "Asset is required" }, ["name"])).toEqual(["Never sell 2: Asset is required"]);
  });

  it("turns connector error chains into short reasons", () => {
    expect(plainSyncReason("evm:base did not answer in time", "base")).toBe("RPC timed out");
    expect(plainSyncReason("evm:base cannot be reached: error sending request for url (http://10.0.0.1:8545/): client error (Connect): tcp connect error: Connection refused (os error 111)", "base")).toBe("RPC cannot be reached");
    expect(plainSyncReason("okx answered HTTP 503: upstream down", "trading")).toBe("Exchange answered with an error (HTTP 503)");
    expect(plainSyncReason("something odd: with: a: chain")).toBe("Something odd");
  });
});

describe("the settings form's checks", () => {
  it("finds every bad field at once, keyed like the API's errors", () => {
    const errors = validatePortfolio({
      name: "",
      target_allocation: [
        { asset: "ETH", target_pct: "-5" },
        { asset: "", target_pct: "abc" },
        { asset: "eth", target_pct: "10" },
      ],
      guardrails: { drift_band_abs_pct: "200", drift_band_rel_pct: "25", min_trade_usd: "ten", max_turnover_pct: "100", never_sell: [], never_sell_ids: [], allow_cash_funding: true },
    });
    expect(Object.keys(errors).sort()).toEqual(
      ["name", "target_allocation[0].target_pct", "target_allocation[1].asset", "target_allocation[1].target_pct", "target_allocation[2].asset", "guardrails.drift_band_abs_pct", "guardrails.min_trade_usd"].sort(),
    );
    expect(errors["target_allocation[0].target_pct"]).toBe("A target cannot be below 0%.");
    expect(errors["guardrails.min_trade_usd"]).toBe("Enter an amount in US dollars, like 10 or 2.50.");
    expect(errors["target_allocation[2].asset"]).toBe("ETH is already target 1.");
  });

  it("accepts thousands separators and refuses a sum over 100 exactly", () => {
    const ok = validatePortfolio({ name: "M", target_allocation: [{ asset: "BTC", target_pct: "33.333333" }, { asset: "ETH", target_pct: "66.666667" }], guardrails: { drift_band_abs_pct: "5", drift_band_rel_pct: "25", min_trade_usd: "1,000", max_turnover_pct: "100", never_sell: [], never_sell_ids: [], allow_cash_funding: true } });
    expect(ok).toEqual({});
    const over = validatePortfolio({ name: "M", target_allocation: [{ asset: "BTC", target_pct: "50.0000001" }, { asset: "ETH", target_pct: "50" }] });
    expect(over.target_allocation).toBe("The targets add up to 100.0000001%: at most 100% is possible.");
  });
});

describe("toasts", () => {
  it("keep one per action and at most three", () => {
    showToast("error", "Sync failed: A", { key: "sync:a" });
    showToast("error", "Sync failed: A again", { key: "sync:a" });
    expect(currentToasts().map((t) => t.message)).toEqual(["Sync failed: A again"]);
    for (const k of ["b", "c", "d", "e"]) showToast("success", `ok ${k}`);
    expect(currentToasts()).toHaveLength(MAX_TOASTS);
    showToast("success", "ok e");
    expect(currentToasts().filter((t) => t.message === "ok e")).toHaveLength(1);
  });
});

describe("charts and breakdowns", () => {
  it("groups the small tail of the pie as Other and keeps every line", () => {
    const s = (symbol: string, valueUsd: string, pct: string) => ({ key: symbol, symbol, valueUsd, pct });
    const { shown, grouped } = groupSlices([s("BTC", "9980", "99.8"), s("A", "10", "0.1"), s("B", "10", "0.1"), s("Z", "0", "0")]);
    expect(shown.map((x) => x.symbol)).toEqual(["BTC", "Other (2)"]);
    expect(shown[1].valueUsd).toBe("20");
    expect(shown[1].pct).toBe("0.2");
    expect(grouped.map((x) => x.symbol)).toEqual(["A", "B"]);
    // One small slice alone stays itself.
    expect(groupSlices([s("BTC", "99", "99"), s("A", "1", "1")]).shown).toHaveLength(2);
  });

  it("sums places by chain across wallets and by exchange across its parts", () => {
    const okx = account({ id: "o", name: "OKX", account_type: "exchange", exchange_name: "okx" });
    const w1 = account({ id: "w1", name: "W1" });
    const w2 = account({ id: "w2", name: "W2" });
    const n = {
      by_place: [
        { account_id: "o", account_name: "OKX", location: "trading", value_usd: "100.10" },
        { account_id: "o", account_name: "OKX", location: "earn", value_usd: "0.20" },
        { account_id: "w1", account_name: "W1", location: "base", value_usd: "50" },
        { account_id: "w2", account_name: "W2", location: "base", value_usd: "60.05" },
      ],
    } as unknown as NetWorth;
    const lines = byChainOrExchange(n, [okx, w1, w2], (c) => (c === "base" ? "Base" : c));
    expect(lines.map((l) => [l.label, l.valueUsd])).toEqual([
      ["Base", "110.05"],
      ["OKX", "100.3"],
    ]);
    expect(withOther([...lines, { key: "x", label: "X", valueUsd: "1" }, { key: "y", label: "Y", valueUsd: "2" }], 2).at(-1)).toEqual({ key: "other", label: "Other (2)", valueUsd: "3" });
  });
});

describe("exact shares", () => {
  it("computes a percentage of a total exactly (big.js strict mode takes no JS numbers)", async () => {
    const { pctOf } = await import("@/lib/decimal");
    expect(pctOf("1", "4")).toBe("25");
    expect(pctOf("30000000", "30000000")).toBe("100");
    expect(pctOf("-5000", "100000")).toBe("-5");
    expect(pctOf("5", "0")).toBeNull();
    expect(pctOf(null, "10")).toBeNull();
  });
});

describe("whole numbers typed by people", () => {
  it("are checked before sending, with a sentence", async () => {
    const { wholeNumberError, wholeNumber } = await import("@/lib/validate");
    expect(wholeNumberError("18", 0, 36)).toBeUndefined();
    expect(wholeNumberError(" 31,337 ", 1, Number.MAX_SAFE_INTEGER)).toBeUndefined();
    expect(wholeNumber(" 31,337 ")).toBe(31337);
    expect(wholeNumberError("", 0, 36, "the number of decimals")).toBe("Enter the number of decimals.");
    expect(wholeNumberError("1.5", 0, 36)).toMatch(/digits only/);
    expect(wholeNumberError("37", 0, 36)).toBe("Enter a whole number from 0 to 36.");
  });
});
