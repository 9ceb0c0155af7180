import Link from "next/link";
import type { Blocking } from "@/lib/api/types";
import { timeAgo } from "@/lib/time";

/** What is wrong with one blocking item, in plain words with what to do. */
export function blockingHeadline(b: Blocking, now = Date.now()): string {
  switch (b.reason) {
    case "no_price":
      return `${b.symbol} has no price yet`;
    case "stale_price":
      return b.price_at ? `the price of ${b.symbol} is ${timeAgo(b.price_at, now).replace(/ ago$/, "")} old` : `the price of ${b.symbol} is out of date`;
    case "ambiguous_symbol":
      return `pick the asset for symbol ${b.symbol}`;
    case "unidentified":
      return `${b.symbol} is not a known asset`;
    case "sync_failed":
      return `sync ${b.symbol} again (last sync failed)`;
    default:
      return b.symbol;
  }
}

/**
 * The amber warning shown when a recommendation is `incomplete` (or would be, on the allocation
 * page): no trades are proposed because data is missing, and each blocking item with what to do.
 */
export function BlockingWarning({ items, context, now }: { items: Blocking[]; context: "recommendation" | "allocation"; now?: number }) {
  if (items.length === 0) return null;
  return (
    <div role="alert" data-testid="blocking-warning" className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200">
      <p className="font-semibold">
        {context === "recommendation" ? "No trades proposed: data is missing." : "Recommendations are on hold: data is missing."}
      </p>
      <p className="mt-1">
        The Butler advises only when every targeted asset and every holding above the minimum trade has a fresh price and a known asset, and every linked account synced. To fix:
      </p>
      <ul className="mt-2 list-disc space-y-1 pl-5">
        {items.map((b, i) => (
          <li key={`${b.reason}-${b.asset_id ?? b.symbol}-${i}`} data-testid="blocking-item" data-reason={b.reason} data-symbol={b.symbol}>
            <span className="font-medium">{blockingHeadline(b, now)}</span>
            {b.reason === "sync_failed" && b.accounts[0] && (
              <>
                {" "}
                (<Link href={`/accounts/${b.accounts[0]}`} className="underline">open the account</Link>)
              </>
            )}
            <span className="block text-amber-800 dark:text-amber-300">{b.message}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
