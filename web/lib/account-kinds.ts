import type { Account } from "@/lib/api/types";

/** Every kind of account a user can add, in one sentence (home page, dashboard welcome, empty accounts list). */
export const ACCOUNT_KINDS_TEXT =
  "exchange accounts (OKX, Binance) with a read-only API key, EVM wallets on every chain you enable, Solana wallets, and manual accounts for holdings you enter";

const EXCHANGE_NAMES: Record<string, string> = { okx: "OKX", binance: "Binance" };

/** An exchange's name for people: "OKX", "Binance". */
export function exchangeName(name: string | null | undefined): string {
  if (!name) return "Exchange";
  return EXCHANGE_NAMES[name] ?? name.charAt(0).toUpperCase() + name.slice(1);
}

/** The account's type: a wallet by its chain family, a manual account as "Manual". */
export function accountTypeLabel(a: Pick<Account, "account_type" | "chain_family">): string {
  if (a.account_type === "wallet") return a.chain_family === "solana" ? "Solana wallet" : "EVM wallet";
  return a.account_type === "manual" ? "Manual" : "Exchange";
}

/** The badge on an account's row: its type, an exchange account by its exchange ("OKX"). */
export function accountBadge(a: Pick<Account, "account_type" | "chain_family" | "exchange_name">): string {
  return a.account_type === "exchange" ? exchangeName(a.exchange_name) : accountTypeLabel(a);
}
