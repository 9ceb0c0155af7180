import { ApiError } from "./client";

/**
 * The API's stable error codes in plain words. The API's own message is used only for codes
 * that are not listed here and only when it reads as a sentence (no serde or field paths, no
 * error chains): what a user sees never carries internals.
 */
const CODE_SENTENCES: Record<string, string> = {
  network_error: "The server cannot be reached. Check your connection and try again.",
  not_found: "This item no longer exists. It may have been deleted.",
  forbidden: "You don't have access to this.",
  missing_token: "Your session has ended. Please sign in again.",
  invalid_token: "Your session has ended. Please sign in again.",
  token_expired: "Your session has ended. Please sign in again.",
  auth_unavailable: "Sign-in is unavailable right now. Try again in a minute.",
  validation_failed: "Some fields need a fix: see the messages next to them.",
  malformed_json: "The request could not be read. Reload the page and try again.",
  invalid_body: "Some values are not in the expected form. Check the fields and try again.",
  invalid_query: "The page asked for something the server does not understand. Reload and try again.",
  invalid_path: "The link is not valid.",
  payload_too_large: "That is too much data to send at once.",
  unsupported_media_type: "The request could not be read. Reload the page and try again.",
  rate_limited: "Too many requests in a short time. Wait a moment and try again.",
  limit_reached: "You have reached the limit for this. Remove something first.",
  sync_in_progress: "This account is already syncing. Its result will show here when done.",
  job_running: "This job is already running.",
  duplicate_account: "You already have this account.",
  chain_exists: "A chain with this name or chain id already exists.",
  token_exists: "This token is already in the list.",
  rpc_url_in_use: "Another chain already uses this RPC URL.",
  rpc_unreachable: "The RPC URL could not be reached. Check the address and that the node is running.",
  chain_id_mismatch: "The RPC node reports a different chain id than the one entered.",
  exchange_unavailable: "The exchange could not be reached. Try again later.",
  nothing_valued: "None of this portfolio's accounts has been read yet, so there is no value to record. Sync them, then take the snapshot.",
  stored_data_unreadable: "Stored data for this account cannot be read. Sync it again, or contact the operator.",
  database_unavailable: "The database is unavailable right now. Try again in a minute.",
  internal_error: "Something went wrong on the server. Try again; if it keeps happening, quote the request id.",
};

/** Looks like internals: serde / parser text, field paths, nested error chains, URLs, stack-ish text. */
export function looksInternal(message: string): boolean {
  return (
    /\b(serde|deserializ|invalid type|expected .* at line|line \d+ column \d+|missing field|unknown variant|Json\w*Rejection)\b/i.test(message) ||
    /[a-z_]+\[\d+\]/.test(message) ||
    /https?:\/\//.test(message) ||
    /: [^:]+: [^:]+:/.test(message) ||
    /\b(dns|getaddrinfo|os error|tcp connect|hyper|reqwest|tokio)\b/i.test(message)
  );
}

/** A plain sentence for an error: by its code, else the server's message when it is plain. */
export function plainMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status >= 500 && !CODE_SENTENCES[err.code]) return CODE_SENTENCES.internal_error;
    const known = CODE_SENTENCES[err.code];
    if (err.code === "validation_failed" && err.fields.length === 1) return plainFieldMessage(err.fields[0].message);
    if (known) return known;
    return looksInternal(err.message) ? "Something went wrong. Try again." : err.message;
  }
  if (err instanceof Error && !looksInternal(err.message)) return err.message;
  return "Something went wrong. Try again.";
}

/** A field's message without internals: a parser's text becomes "Not a valid value". */
export function plainFieldMessage(message: string): string {
  if (/invalid type|expected|deserializ|unknown variant|missing field/i.test(message)) return "Not a valid value here.";
  const s = message.trim();
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : "Not a valid value here.";
}

/**
 * A field path in words for messages shown apart from their field: `target_allocation[0].target_pct`
 * -> "Target 1, percent", `guardrails.min_trade_usd` -> "Minimum trade".
 */
const FIELD_WORDS: Record<string, string> = {
  name: "Name",
  description: "Description",
  wallet_address: "Wallet address",
  enabled_chains: "Chains",
  api_key: "API key",
  api_secret: "API secret",
  passphrase: "Passphrase",
  exchange_name: "Exchange",
  account_type: "Account type",
  target_allocation: "Targets",
  asset: "asset",
  target_pct: "percent",
  drift_band_abs_pct: "Drift band (points)",
  drift_band_rel_pct: "Drift band (% of target)",
  min_trade_usd: "Minimum trade",
  max_turnover_pct: "Max turnover",
  never_sell: "Never sell",
  guardrails: "Guardrails",
};

export function fieldLabel(path: string): string {
  const parts = path.split(".").flatMap((p) => {
    const m = /^([a-z_]+)\[(\d+)\]$/.exec(p);
    if (m) return [m[1] === "target_allocation" ? `Target ${Number(m[2]) + 1}` : `${FIELD_WORDS[m[1]] ?? m[1].replace(/_/g, " ")} ${Number(m[2]) + 1}`];
    return [FIELD_WORDS[p] ?? p.replace(/_/g, " ")];
  });
  const words = parts[0] === "Guardrails" && parts.length > 1 ? parts.slice(1) : parts;
  return words.join(", ");
}
