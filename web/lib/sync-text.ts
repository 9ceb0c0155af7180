import { timeAgo } from "./time";

/**
 * A location's sync error in plain words: the connector's text ("evm:base did not answer in
 * time", "... cannot be reached: error sending request for url (...): tcp connect error ...")
 * becomes "RPC timed out", never a DNS or RPC error chain.
 */
export function plainSyncReason(error: string | null | undefined, location?: string): string {
  const e = (error ?? "").trim();
  if (!e) return "not read";
  const who = /\bevm:|rpc/i.test(e) ? "RPC" : /okx|binance|exchange/i.test(e) ? "Exchange" : location && !["trading", "funding", "earn"].includes(location) ? "RPC" : "Source";
  if (/did not answer in time|timed? ?out/i.test(e)) return `${who} timed out`;
  if (/cannot be reached|connection refused|dns|resolve|unreachable/i.test(e)) return `${who} cannot be reached`;
  if (/rate limit/i.test(e)) return `${who} is rate limiting: retried later`;
  if (/refused the credentials/i.test(e)) return "The API key was refused";
  if (/paused for/i.test(e)) return `${who} paused after repeated failures`;
  const http = /answered HTTP (\d{3})/.exec(e);
  if (http) return `${who} answered with an error (HTTP ${http[1]})`;
  if (/unreadable answer/i.test(e)) return `${who} sent an unreadable answer`;
  if (/disabled|not refreshed|not read/i.test(e)) return "Chain disabled: balances kept from before";
  // Unknown: the first clause only, never a chain of causes.
  const first = e.split(/: /)[0].replace(/^evm:\w+\s*/, "");
  return first.length > 80 ? `${first.slice(0, 77)}…` : first.charAt(0).toUpperCase() + first.slice(1);
}

/** "Base: RPC timed out 12 min ago" for a failing location. */
export function locationProblem(l: { location: string; error?: string | null; synced_at?: string | null }, displayName: (name: string) => string, at?: string | null, now?: number): string {
  const when = at ?? l.synced_at;
  return `${displayName(l.location)}: ${plainSyncReason(l.error, l.location)}${when ? ` ${timeAgo(when, now)}` : ""}`;
}
