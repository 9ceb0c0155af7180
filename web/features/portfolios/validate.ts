import { compareDecimals, isPlainDecimal, sumDecimals } from "@/lib/decimal";
import type { FieldErrors } from "@/lib/api/field-errors";
import type { UpdatePortfolioRequest } from "@/lib/api/types";

/** Plain-number input: "1,000.5" and " 25 " are fine (separators and spaces dropped); "1e3", "abc" are not. */
export function normalizeNumber(s: string): string {
  return s.trim().replace(/[,_\s]/g, "");
}

function number(errors: FieldErrors, field: string, raw: string | null | undefined, what: { label: "pct" | "usd" | "points"; max?: string }) {
  const s = normalizeNumber(raw ?? "");
  if (s === "") return;
  if (!isPlainDecimal(s)) {
    errors[field] = what.label === "usd" ? "Enter an amount in US dollars, like 10 or 2.50." : "Enter a number, like 5 or 12.5.";
    return;
  }
  if (compareDecimals(s, "0") < 0) {
    errors[field] = what.label === "usd" ? "The amount cannot be negative." : "This cannot be below 0.";
    return;
  }
  if (what.max && compareDecimals(s, what.max) > 0) errors[field] = `At most ${what.max}${what.label === "pct" ? "%" : ""}.`;
}

/**
 * Every problem of the settings form at once, keyed like the API's field errors (so one map
 * drives the form), in plain words. Empty: the body may be sent.
 */
export function validatePortfolio(body: UpdatePortfolioRequest): FieldErrors {
  const errors: FieldErrors = {};
  if (!body.name?.trim()) errors.name = "Give the portfolio a name.";
  const targets = body.target_allocation ?? [];
  targets.forEach((t, i) => {
    const asset = (t.asset ?? "").trim();
    const pct = normalizeNumber(String(t.target_pct ?? ""));
    if (!asset) errors[`target_allocation[${i}].asset`] = "Name an asset: a symbol like BTC, or CASH.";
    if (pct === "") errors[`target_allocation[${i}].target_pct`] = "Enter a target percentage, like 25.";
    else if (!isPlainDecimal(pct)) errors[`target_allocation[${i}].target_pct`] = "Enter a percentage from 0 to 100, like 25 or 12.5.";
    else if (compareDecimals(pct, "0") < 0) errors[`target_allocation[${i}].target_pct`] = "A target cannot be below 0%.";
    else if (compareDecimals(pct, "100") > 0) errors[`target_allocation[${i}].target_pct`] = "A target can be at most 100%.";
  });
  const seen = new Map<string, number>();
  targets.forEach((t, i) => {
    const key = (t.asset ?? "").trim().toUpperCase();
    if (!key) return;
    if (seen.has(key)) errors[`target_allocation[${i}].asset`] = `${key} is already target ${seen.get(key)! + 1}.`;
    else seen.set(key, i);
  });
  const pcts = targets.map((t) => normalizeNumber(String(t.target_pct ?? ""))).filter(isPlainDecimal);
  const sum = sumDecimals(pcts);
  if (compareDecimals(sum, "100") > 0) errors.target_allocation = `The targets add up to ${sum}%: at most 100% is possible.`;
  const g = body.guardrails;
  if (g) {
    number(errors, "guardrails.drift_band_abs_pct", g.drift_band_abs_pct, { label: "points", max: "100" });
    number(errors, "guardrails.drift_band_rel_pct", g.drift_band_rel_pct, { label: "pct", max: "100" });
    number(errors, "guardrails.min_trade_usd", g.min_trade_usd, { label: "usd" });
    number(errors, "guardrails.max_turnover_pct", g.max_turnover_pct, { label: "pct", max: "100" });
  }
  return errors;
}
