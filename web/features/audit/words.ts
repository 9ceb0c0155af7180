import type { AuditEvent } from "@/lib/api/types";

export const AUDIT_KINDS: Record<string, string> = {
  account: "Account",
  portfolio: "Portfolio",
  portfolio_link: "Portfolio",
  snapshot: "Snapshot",
  recommendation: "Recommendation",
  user_token: "Token",
  token_mark: "Token mark",
  evm_chain: "Chain",
  evm_token: "Token",
  job: "Job",
  migration: "Migrations",
  ledger: "Ledger entry",
  alert_channel: "Alert channel",
  alert_rule: "Alert rule",
  custom_asset: "Custom asset",
  solana_rpc: "Solana RPC",
};

const FIELD_WORDS: Record<string, string> = {
  name: "name",
  is_active: "active",
  enabled_chains: "chains",
  target_allocation: "targets",
  guardrails: "guardrails",
  description: "description",
  rpc_url: "RPC URL",
};

/** The API's summary ("account updated; credentials replaced; fields: name") in parts. */
function parse(summary: string): { verb: string; credentials: boolean; fields: string[] } {
  const [head, ...rest] = summary.split("; ");
  const verb = head.split(" ").slice(1).join(" ");
  const fieldsPart = rest.find((r) => r.startsWith("fields: "));
  return { verb, credentials: rest.includes("credentials replaced"), fields: fieldsPart ? fieldsPart.slice(8).split(", ") : [] };
}

/**
 * One audit entry in words: "Account “Cold storage” renamed", "Account “OKX” API key replaced",
 * "Job price-collection run". `nameOf` names a target the user still has.
 */
export function auditWords(e: Pick<AuditEvent, "kind" | "summary" | "target_id" | "action">, nameOf: (id: string) => string | undefined): string {
  const noun = AUDIT_KINDS[e.kind] ?? "Change";
  const { verb, credentials, fields } = parse(e.summary);
  if (e.kind === "job") return `Job ${verb.replace(/^job /, "").replace(/ triggered$/, "")} run`;
  if (e.kind === "migration") return "Migrations run";
  const name = e.target_id ? nameOf(e.target_id) : undefined;
  const subject = e.kind === "portfolio_link" ? `Portfolio${name ? ` “${name}”` : ""}:` : `${noun}${name ? ` “${name}”` : ""}`;
  const what = (() => {
    if (verb === "sync requested") return "synced";
    if (verb === "sync of all accounts requested") return "";
    if (verb === "created") return ["account", "evm_chain", "evm_token", "user_token"].includes(e.kind) ? "added" : e.kind === "snapshot" ? "taken" : "created";
    if (verb === "updated") {
      if (credentials) return fields.length ? `API key replaced, ${fields.map((f) => FIELD_WORDS[f] ?? f).join(", ")} changed` : "API key replaced";
      if (fields.length === 1 && fields[0] === "name") return "renamed";
      return fields.length ? `changed (${fields.map((f) => FIELD_WORDS[f] ?? f).join(", ")})` : "changed";
    }
    return verb;
  })();
  if (verb === "sync of all accounts requested") return "All accounts synced";
  return `${subject} ${what}`.trim();
}
