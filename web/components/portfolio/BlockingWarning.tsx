import Link from "next/link";
import type { Blocking } from "@/lib/api/types";

/** The API's message as a sentence: "XYZ is a target but has no price yet: wait for the price job…". */
function sentence(message: string): string {
  const m = message.trim();
  return m ? m.charAt(0).toUpperCase() + m.slice(1) : m;
}

/**
 * The amber warning shown when a recommendation is `incomplete` (or would be, on the allocation
 * page): no trades are proposed because data is missing, and each cause once, in one line with what to do
 * (the API gives one item per asset and reason, and per account).
 */
export function BlockingWarning({ items, context }: { items: Blocking[]; context: "recommendation" | "allocation" }) {
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
            {sentence(b.message)}
            {b.reason === "sync_failed" && b.accounts[0] && (
              <>
                {" "}
                (<Link href={`/accounts/${b.accounts[0]}`} className="underline">open the account</Link>)
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
