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
