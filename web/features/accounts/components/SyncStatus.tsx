import { Badge } from "@/components/ui";
import { formatDateTime, timeAgo } from "@/lib/time";
import type { Account } from "@/lib/api/types";

export function SyncStatusBadge({ status }: { status: Account["last_sync_status"] }) {
  switch (status) {
    case "ok":
      return <Badge tone="green" testId="sync-status">Synced</Badge>;
    case "partial":
      return <Badge tone="amber" testId="sync-status">Partial</Badge>;
    case "error":
      return <Badge tone="red" testId="sync-status">Failed</Badge>;
    default:
      return <Badge tone="slate" testId="sync-status">Never synced</Badge>;
  }
}

export function LastSync({ account }: { account: Account }) {
  return (
    <span className="text-xs text-slate-500 dark:text-slate-400" title={formatDateTime(account.last_synced_at)} data-testid="last-synced">
      {account.last_synced_at ? `Last sync ${timeAgo(account.last_synced_at)}` : "Not synced yet"}
    </span>
  );
}

type Location = NonNullable<Account["locations"]>[number];

const LOCATION_TONES: Record<string, "green" | "amber" | "red" | "slate"> = {
  ok: "green",
  partial: "amber",
  failed: "red",
  not_refreshed: "slate",
};

/** Each chain or exchange part with its status, the age of its last good read and why. */
export function LocationList({ locations }: { locations: Location[] }) {
  return (
    <ul className="space-y-2 text-sm" data-testid="locations">
      {locations.map((l) => (
        <li key={l.location} className="flex flex-wrap items-center gap-2">
          <span className="font-medium">{l.location}</span>
          <Badge tone={LOCATION_TONES[l.status] ?? "slate"}>{l.status.replace("_", " ")}</Badge>
          <span className="text-xs text-slate-500 dark:text-slate-400" title={formatDateTime(l.synced_at)}>
            {l.synced_at ? `read ${timeAgo(l.synced_at)}` : "never read"}
          </span>
          {l.error && <span className="text-xs text-slate-500 dark:text-slate-400">{l.error}</span>}
        </li>
      ))}
    </ul>
  );
}
