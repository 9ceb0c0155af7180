/**
 * The form of each rule kind and each channel kind. The kinds come from the API's types
 * (`AlertRuleKind`, `AlertChannelKind`, generated from its OpenAPI document): a kind the API
 * adds makes these records incomplete, and the typecheck asks for its entry here.
 */
import { isPlainDecimal, parseDecimal } from "@/lib/decimal";
import type { FieldErrors } from "@/lib/api/field-errors";
import type { AlertChannelKind, AlertRule, AlertRuleKind } from "@/lib/api/types";
import { wholeNumberError } from "@/lib/validate";

/** One parameter of a rule, as the form asks for it; `key` is its name in `params`. */
export type ParamField =
  | { key: string; type: "whole"; label: string; min: number; max: number; initial: string; hint?: string }
  | { key: string; type: "percent"; label: string; initial: string; hint?: string }
  /** A positive decimal (a health factor, an amount in USD), sent as a decimal string. */
  | { key: string; type: "decimal"; label: string; initial: string; hint?: string; example: string }
  /** A pick among the user's accounts or portfolios; `every` names the "all of them" choice (sent as null), absent when one is required. */
  | { key: string; type: "account" | "portfolio"; label: string; every?: string };

export type Params = Record<string, unknown>;

/** Names of the user's accounts and portfolios, to say what a rule watches. */
export interface Names {
  accounts: Map<string, string>;
  portfolios: Map<string, string>;
}

export interface RuleKindForm {
  label: string;
  /** When it alerts, in a sentence (shown under the kind picker). */
  explains: string;
  fields: ParamField[];
  /** What a rule of this kind watches, for the list. */
  describe: (params: Params, names: Names) => string;
}

const named = (names: Map<string, string>, id: unknown, every: string, gone: string) =>
  typeof id === "string" ? (names.has(id) ? `"${names.get(id)}"` : gone) : every;

export const RULE_KINDS: Record<AlertRuleKind, RuleKindForm> = {
  sync_failing: {
    label: "Sync failing",
    explains: "An account's sync keeps failing (or reads only part of it) for some hours.",
    fields: [
      { key: "account_id", type: "account", label: "Account", every: "Every account" },
      { key: "hours", type: "whole", label: "Hours without a good sync", min: 1, max: 720, initial: "6", hint: "1 to 720" },
    ],
    describe: (p, n) => `${named(n.accounts, p.account_id, "Any account", "An account no longer there")} without a good sync for ${String(p.hours)} h`,
  },
  price_move: {
    label: "Price move",
    explains: "An asset you hold moves by at least this much in 24 hours, up or down.",
    fields: [{ key: "threshold_pct", type: "percent", label: "Move of at least (%)", initial: "10", hint: "Above 0, at most 1000" }],
    describe: (p) => `A held asset moving ${String(p.threshold_pct)}% or more in 24 h`,
  },
  drift: {
    label: "Drift",
    explains: "A line of the portfolio leaves its band (its allocation says over or under).",
    fields: [{ key: "portfolio_id", type: "portfolio", label: "Portfolio" }],
    describe: (p, n) => `${named(n.portfolios, p.portfolio_id, "A portfolio", "A portfolio no longer there")} out of its bands`,
  },
  snapshot_failed: {
    label: "Snapshot failed",
    explains: "The end-of-day run could not record a snapshot of the portfolio.",
    fields: [{ key: "portfolio_id", type: "portfolio", label: "Portfolio", every: "Every portfolio" }],
    describe: (p, n) => `${named(n.portfolios, p.portfolio_id, "Any portfolio", "A portfolio no longer there")} missing from the end-of-day snapshot`,
  },
  health_factor: {
    label: "Loan health factor",
    explains: "An Aave loan's health factor falls below this (at 1 the loan can be liquidated).",
    fields: [
      { key: "threshold", type: "decimal", label: "Health factor below", initial: "1.5", hint: "Above 0; 1 is liquidation", example: "1.5" },
      { key: "account_id", type: "account", label: "Wallet", every: "Every wallet" },
    ],
    describe: (p, n) => `${named(n.accounts, p.account_id, "Any wallet", "A wallet no longer there")} with an Aave health factor below ${String(p.threshold)}`,
  },
  outflow: {
    label: "Outflow",
    explains: "The account's holdings fall by at least this value between two syncs (money leaving: was it you?).",
    fields: [
      { key: "account_id", type: "account", label: "Account" },
      { key: "min_amount_usd", type: "decimal", label: "Outflow of at least (USD)", initial: "1000", hint: "Above 0", example: "1000" },
    ],
    describe: (p, n) => `${named(n.accounts, p.account_id, "An account", "An account no longer there")} losing $${String(p.min_amount_usd)} or more between two syncs`,
  },
};

export const ruleKinds = Object.keys(RULE_KINDS) as AlertRuleKind[];

/** A rule's kind in words; a kind this web does not know yet (a newer API) is named as it is. */
export function ruleKindLabel(kind: string): string {
  return (RULE_KINDS as Record<string, RuleKindForm | undefined>)[kind]?.label ?? kind;
}

export function describeRule(rule: Pick<AlertRule, "kind" | "params">, names: Names): string {
  const form = (RULE_KINDS as Record<string, RuleKindForm | undefined>)[rule.kind];
  const params = (rule.params ?? {}) as Params;
  return form ? form.describe(params, names) : JSON.stringify(params);
}

/** The form's starting values for a kind's parameters (a pick starts on "every", or on nothing). */
export function initialDraft(kind: AlertRuleKind): Record<string, string> {
  const draft: Record<string, string> = {};
  for (const f of RULE_KINDS[kind].fields) draft[f.key] = f.type === "whole" || f.type === "percent" || f.type === "decimal" ? f.initial : "";
  return draft;
}

/**
 * The `params` the API takes, from the form's text: whole numbers as numbers, percentages as
 * decimal strings (never floats), picks as ids or null for "every". Errors are keyed as the
 * API keys them (`params.hours`), so one place shows both.
 */
export function paramsFromDraft(kind: AlertRuleKind, draft: Record<string, string>): { params: Params; errors: FieldErrors } {
  const params: Params = {};
  const errors: FieldErrors = {};
  for (const f of RULE_KINDS[kind].fields) {
    const raw = (draft[f.key] ?? "").trim();
    const at = `params.${f.key}`;
    if (f.type === "whole") {
      const e = wholeNumberError(raw, f.min, f.max, "a whole number of hours");
      if (e) errors[at] = e;
      else params[f.key] = Number(raw.replace(/[,_\s]/g, ""));
    } else if (f.type === "percent") {
      const d = isPlainDecimal(raw) ? parseDecimal(raw) : null;
      if (!d || d.lte("0") || d.gt("1000")) errors[at] = "Enter a percentage above 0 and at most 1000, like 10 or 2.5.";
      else params[f.key] = raw;
    } else if (f.type === "decimal") {
      const d = isPlainDecimal(raw) ? parseDecimal(raw) : null;
      if (!d || d.lte("0")) errors[at] = `Enter a number above 0, like ${f.example}.`;
      else params[f.key] = raw;
    } else if (raw) {
      params[f.key] = raw;
    } else if (f.every) {
      params[f.key] = null;
    } else {
      errors[at] = `Pick ${f.type === "account" ? "an" : "a"} ${f.type}.`;
    }
  }
  return { params, errors };
}

/** The cooldown is typed in minutes; the API takes seconds (0 to 30 days). */
export function cooldownSecs(raw: string): { secs?: number; error?: string } {
  const error = wholeNumberError(raw, 0, 43_200, "a number of minutes");
  return error ? { error } : { secs: Number(raw.trim().replace(/[,_\s]/g, "")) * 60 };
}

export function formatCooldown(secs: number): string {
  if (secs <= 0) return "no cooldown";
  if (secs % 86_400 === 0) return `${secs / 86_400} d`;
  if (secs % 3600 === 0) return `${secs / 3600} h`;
  if (secs % 60 === 0) return `${secs / 60} min`;
  return `${secs} s`;
}

export interface ChannelKindForm {
  label: string;
  urlLabel: string;
  placeholder: string;
  hint: string;
  /** ntfy: an optional access token. */
  token: boolean;
}

export const CHANNEL_KINDS: Record<AlertChannelKind, ChannelKindForm> = {
  webhook: {
    label: "Webhook",
    urlLabel: "URL",
    placeholder: "https://hooks.example.com/butler",
    hint: "Alerts are POSTed as JSON, signed with a secret shown once when you add it.",
    token: false,
  },
  ntfy: {
    label: "ntfy",
    urlLabel: "Topic URL",
    placeholder: "https://ntfy.sh/my-topic",
    hint: "The ntfy server and topic; any self-hosted server works.",
    token: true,
  },
  email: {
    label: "E-mail",
    urlLabel: "Address",
    placeholder: "mailto:you@example.com",
    hint: "One address, as mailto:… (sent through the server's SMTP settings).",
    token: false,
  },
};

export const channelKinds = Object.keys(CHANNEL_KINDS) as AlertChannelKind[];

/** An e-mail address typed plainly is sent as the `mailto:` the API takes. */
export function channelUrl(kind: AlertChannelKind, raw: string): string {
  const s = raw.trim();
  return kind === "email" && s && !/^mailto:/i.test(s) ? `mailto:${s}` : s;
}
