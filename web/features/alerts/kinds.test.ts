import { describe, expect, it } from "vitest";
import { channelUrl, cooldownSecs, describeRule, formatCooldown, initialDraft, paramsFromDraft, ruleKinds } from "./kinds";

const names = { accounts: new Map([["acc-1", "Binance"]]), portfolios: new Map([["pf-1", "Main"]]) };

describe("rule kinds", () => {
  it("offers every kind the API lists, each with a form that starts valid or asks for a pick", () => {
    expect(ruleKinds).toEqual(["sync_failing", "price_move", "drift", "snapshot_failed", "health_factor", "outflow"]);
    expect(paramsFromDraft("health_factor", initialDraft("health_factor"))).toEqual({ params: { threshold: "1.5", account_id: null }, errors: {} });
    expect(paramsFromDraft("outflow", initialDraft("outflow")).errors).toEqual({ "params.account_id": "Pick an account." });
    expect(paramsFromDraft("sync_failing", initialDraft("sync_failing"))).toEqual({ params: { account_id: null, hours: 6 }, errors: {} });
    expect(paramsFromDraft("price_move", initialDraft("price_move"))).toEqual({ params: { threshold_pct: "10" }, errors: {} });
    expect(paramsFromDraft("snapshot_failed", initialDraft("snapshot_failed"))).toEqual({ params: { portfolio_id: null }, errors: {} });
    expect(paramsFromDraft("drift", initialDraft("drift")).errors).toEqual({ "params.portfolio_id": "Pick a portfolio." });
  });

  it("sends hours as a whole number, a percentage as a decimal string, and a picked id as it is", () => {
    expect(paramsFromDraft("sync_failing", { account_id: "acc-1", hours: " 24 " }).params).toEqual({ account_id: "acc-1", hours: 24 });
    // A decimal stays text: 0.1 + 0.2 never becomes 0.30000000000000004 on the way.
    expect(paramsFromDraft("price_move", { threshold_pct: "2.5" }).params).toEqual({ threshold_pct: "2.5" });
    expect(paramsFromDraft("drift", { portfolio_id: "pf-1" }).params).toEqual({ portfolio_id: "pf-1" });
  });

  it("keys its errors as the API does, so both show beside the same field", () => {
    expect(Object.keys(paramsFromDraft("sync_failing", { hours: "721" }).errors)).toEqual(["params.hours"]);
    expect(paramsFromDraft("sync_failing", { hours: "1.5" }).errors["params.hours"]).toMatch(/digits only/);
    for (const bad of ["0", "-1", "1000.01", "1e3", "ten", ""]) {
      expect(paramsFromDraft("price_move", { threshold_pct: bad }).errors["params.threshold_pct"], bad).toMatch(/above 0 and at most 1000/);
    }
    expect(paramsFromDraft("price_move", { threshold_pct: "1000" }).errors).toEqual({});
    for (const bad of ["0", "-1", "1e3", "ten", ""]) {
      expect(paramsFromDraft("health_factor", { threshold: bad }).errors["params.threshold"], bad).toMatch(/above 0, like 1.5/);
      expect(paramsFromDraft("outflow", { account_id: "acc-1", min_amount_usd: bad }).errors["params.min_amount_usd"], bad).toMatch(/above 0, like 1000/);
    }
    // Amounts stay decimal text.
    expect(paramsFromDraft("outflow", { account_id: "acc-1", min_amount_usd: "2500.50" }).params).toEqual({ account_id: "acc-1", min_amount_usd: "2500.50" });
  });

  it("says what a rule watches, naming the account or portfolio, and one that is gone", () => {
    expect(describeRule({ kind: "sync_failing", params: { account_id: "acc-1", hours: 6 } as never }, names)).toBe('"Binance" without a good sync for 6 h');
    expect(describeRule({ kind: "sync_failing", params: { account_id: null, hours: 2 } as never }, names)).toBe("Any account without a good sync for 2 h");
    expect(describeRule({ kind: "price_move", params: { threshold_pct: "12.5" } as never }, names)).toBe("A held asset moving 12.5% or more in 24 h");
    expect(describeRule({ kind: "drift", params: { portfolio_id: "pf-9" } as never }, names)).toBe("A portfolio no longer there out of its bands");
    expect(describeRule({ kind: "snapshot_failed", params: { portfolio_id: "pf-1" } as never }, names)).toBe('"Main" missing from the end-of-day snapshot');
    expect(describeRule({ kind: "health_factor", params: { threshold: "1.2", account_id: null } as never }, names)).toBe("Any wallet with an Aave health factor below 1.2");
    expect(describeRule({ kind: "outflow", params: { account_id: "acc-1", min_amount_usd: "500" } as never }, names)).toBe('"Binance" losing $500 or more between two syncs');
    // A kind from a newer API than this page: its parameters as they are, not a blank.
    expect(describeRule({ kind: "staking_slashed" as never, params: { amount_usd: "500" } as never }, names)).toBe('{"amount_usd":"500"}');
  });
});

describe("cooldown", () => {
  it("is typed in minutes and sent in seconds, within the API's 30 days", () => {
    expect(cooldownSecs("60")).toEqual({ secs: 3600 });
    expect(cooldownSecs("0")).toEqual({ secs: 0 });
    expect(cooldownSecs("43200")).toEqual({ secs: 2_592_000 });
    expect(cooldownSecs("43201").error).toMatch(/from 0 to 43,200/);
    expect(cooldownSecs("").error).toBeDefined();
  });

  it("reads back in the largest whole unit", () => {
    expect(formatCooldown(0)).toBe("no cooldown");
    expect(formatCooldown(3600)).toBe("1 h");
    expect(formatCooldown(5400)).toBe("90 min");
    expect(formatCooldown(172_800)).toBe("2 d");
    expect(formatCooldown(45)).toBe("45 s");
  });
});

describe("channel URL", () => {
  it("turns a plain e-mail address into the mailto: the API takes, and leaves other URLs alone", () => {
    expect(channelUrl("email", " me@example.com ")).toBe("mailto:me@example.com");
    expect(channelUrl("email", "MAILTO:me@example.com")).toBe("MAILTO:me@example.com");
    expect(channelUrl("webhook", " https://h.example.com/x ")).toBe("https://h.example.com/x");
  });
});
