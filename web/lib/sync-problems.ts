import type { Account, AccountLocation, SyncRun } from "@/lib/api/types";
import { plainSyncReason } from "@/lib/sync-text";

/** One cause of one account's sync problem, with every location it hit. */
export interface ProblemLine {
  key: string;
  accountId: string;
  accountName: string;
  /** The locations' names for people, in order: "Ethereum", "Aave v3 on Ethereum". */
  places: string[];
  /** The cause in words: "RPC cannot be reached". */
  reason: string;
  /** Chains (an EVM chain's `chain_name`, or `solana`) whose RPC is the cause: fixed in Admin → Chains. */
  rpcChains: string[];
  /** The oldest last good read of the locations; null when one was never read. */
  lastGoodRead: string | null;
}

type Located = Pick<AccountLocation, "location" | "status" | "error"> & { synced_at?: string | null };

/**
 * Failing locations grouped by cause: a wallet with no network is one line ("Ethereum, Aave v3
 * on Ethereum, Uniswap v3 on Ethereum: RPC cannot be reached"), not one per chain and protocol.
 */
export function groupProblems(
  account: { id: string; name: string; rpc: boolean },
  locations: Located[],
  displayName: (location: string) => string,
  fallbackError?: string | null,
): ProblemLine[] {
  const bad = locations.filter((l) => l.status === "failed" || l.status === "partial");
  if (bad.length === 0) {
    return [{ key: account.id, accountId: account.id, accountName: account.name, places: [], reason: plainSyncReason(fallbackError), rpcChains: [], lastGoodRead: null }];
  }
  const groups = new Map<string, ProblemLine>();
  for (const l of bad) {
    const reason = plainSyncReason(l.error, l.location);
    const read = l.synced_at ?? null;
    let g = groups.get(reason);
    if (!g) {
      g = { key: `${account.id}-${reason}`, accountId: account.id, accountName: account.name, places: [], reason, rpcChains: [], lastGoodRead: read };
      groups.set(reason, g);
    } else if (g.lastGoodRead !== null) {
      g.lastGoodRead = read === null || Date.parse(read) < Date.parse(g.lastGoodRead) ? read : g.lastGoodRead;
    }
    const place = displayName(l.location);
    if (!g.places.includes(place)) g.places.push(place);
    const chain = l.location.split(":")[0];
    if (account.rpc && reason.startsWith("RPC") && !g.rpcChains.includes(chain)) g.rpcChains.push(chain);
  }
  return [...groups.values()];
}

/** A wallet is read through an RPC an admin sets (an EVM chain's, or the Solana one). */
const readByRpc = (a: Pick<Account, "account_type">) => a.account_type === "wallet";

/** An account's sync problems, one line per cause (none when its last sync was fine). */
export function accountProblems(a: Account, displayName: (location: string) => string): ProblemLine[] {
  if (a.last_sync_status !== "partial" && a.last_sync_status !== "error") return [];
  return groupProblems({ id: a.id, name: a.name, rpc: readByRpc(a) }, a.locations ?? [], displayName, a.last_sync_error);
}

/** A sync run's problems, one line per cause (for the toast when it ends). */
export function runProblems(r: SyncRun, displayName: (location: string) => string): ProblemLine[] {
  return groupProblems({ id: r.account_id, name: r.account_name, rpc: false }, r.steps.map((s) => ({ ...s, synced_at: null })), displayName, r.error);
}

/** "Ethereum, Aave v3 on Ethereum: RPC cannot be reached". */
export function problemText(p: ProblemLine): string {
  return p.places.length ? `${p.places.join(", ")}: ${p.reason}` : p.reason;
}

/** The lines of a toast or a sentence: "Ethereum: RPC timed out; Base: RPC cannot be reached". */
export function problemsSentence(lines: ProblemLine[]): string {
  return lines.length ? lines.map(problemText).join("; ") : "some locations failed";
}
