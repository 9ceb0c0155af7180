import { describe, expect, it } from "vitest";
import { auditQuery } from "./api/get-audit";
import { auditWords } from "./words";

const names: Record<string, string> = { a1: "Cold storage", p1: "Main" };
const nameOf = (id: string) => names[id];
const e = (kind: string, summary: string, target_id: string | null = null) => ({ kind, summary, target_id, action: "" });

describe("audit entries in words", () => {
  it("names the thing and what happened to it", () => {
    expect(auditWords(e("account", "account updated; fields: name", "a1"), nameOf)).toBe("Account “Cold storage” renamed");
    expect(auditWords(e("account", "account created; fields: account_type, name", "a1"), nameOf)).toBe("Account “Cold storage” added");
    expect(auditWords(e("account", "account updated; credentials replaced", "a1"), nameOf)).toBe("Account “Cold storage” API key replaced");
    expect(auditWords(e("account", "account sync requested", "a1"), nameOf)).toBe("Account “Cold storage” synced");
    expect(auditWords(e("account", "account deleted", "gone"), nameOf)).toBe("Account deleted");
    expect(auditWords(e("portfolio", "portfolio updated; fields: guardrails, target_allocation", "p1"), nameOf)).toBe("Portfolio “Main” changed (guardrails, targets)");
    expect(auditWords(e("portfolio_link", "portfolio_link account linked", "p1"), nameOf)).toBe("Portfolio “Main”: account linked");
    expect(auditWords(e("job", "job job price-collection triggered", "r"), nameOf)).toBe("Job price-collection run");
    expect(auditWords(e("evm_chain", "evm_chain created; fields: chain_id, chain_name", "c"), nameOf)).toBe("Chain added");
  });

  it("asks for whole days: from the start of the first to the end of the last", () => {
    expect(auditQuery({ kind: "account", from: "2026-12-01", to: "2026-12-07" })).toBe("kind=account&from=2026-12-01T00%3A00%3A00Z&to=2026-12-08T00%3A00%3A00Z&limit=50");
  });
});
