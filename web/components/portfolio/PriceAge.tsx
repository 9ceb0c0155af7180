import { Badge } from "@/components/ui";
import { ageSeconds, formatDateTime, timeAgo } from "@/lib/time";

/** The API's default `PRICE_MAX_AGE_SECS`: older prices are stale (holdings carry no flag of their own). */
export const PRICE_MAX_AGE_SECS = 7200;

/** Whether a price time is older than the staleness limit (a missing time is not "stale": it is no price). */
export function isStalePrice(at: string | null | undefined, now = Date.now(), maxAgeSecs = PRICE_MAX_AGE_SECS): boolean {
  const age = ageSeconds(at, now);
  return age !== null && age > maxAgeSecs;
}

function sources(source: string | null | undefined): string {
  return (source ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .join(", ");
}

/**
 * Where a valued number's price came from and how old it is: "price 5 min ago · coingecko",
 * with an amber "stale" badge when the API says so (`stale`) or, without that flag, when the
 * price is older than two hours.
 */
export function PriceAge({ source, at, stale, now }: { source?: string | null; at?: string | null; stale?: boolean; now?: number }) {
  if (!at && !source) return null;
  const isStale = stale ?? isStalePrice(at, now);
  const from = sources(source);
  return (
    <span className="inline-flex flex-wrap items-center gap-1 text-xs text-slate-500 dark:text-slate-400" data-testid="price-age" data-stale={isStale || undefined} title={at ? `Price observed ${formatDateTime(at)}` : undefined}>
      <span className="sm:whitespace-nowrap">
        price {at ? timeAgo(at, now) : "time unknown"}
        {from && <> · {from}</>}
      </span>
      {isStale && (
        <Badge tone="amber" testId="stale-badge" title="Older than the price limit: counted in totals, never traded on">
          stale
        </Badge>
      )}
    </span>
  );
}

/** "oldest price: 3 days ago · oldest balance: 5 min ago" under a total. */
export function DataAge({
  oldestPriceAt,
  oldestSyncAt,
  oldestSyncLocation,
  now,
}: {
  oldestPriceAt?: string | null;
  oldestSyncAt?: string | null;
  /** Where the oldest balance was read ("base", "trading"). */
  oldestSyncLocation?: string | null;
  now?: number;
}) {
  const stale = isStalePrice(oldestPriceAt, now);
  return (
    <p className="mt-1 text-xs text-slate-500 dark:text-slate-400" data-testid="data-age">
      <span data-testid="oldest-price" className={stale ? "font-medium text-amber-700 dark:text-amber-400" : undefined} title={oldestPriceAt ? formatDateTime(oldestPriceAt) : undefined}>
        oldest price: {oldestPriceAt ? timeAgo(oldestPriceAt, now) : "none"}
      </span>
      {" · "}
      <span data-testid="oldest-balance" title={oldestSyncAt ? formatDateTime(oldestSyncAt) : undefined}>
        oldest balance: {oldestSyncAt ? `${oldestSyncLocation ? `${oldestSyncLocation}, ` : ""}${timeAgo(oldestSyncAt, now)}` : "not synced yet"}
      </span>
    </p>
  );
}
