"use client";

import { useIsMutating } from "@tanstack/react-query";
import { Button } from "@/components/ui";
import { useSyncAccount } from "../api/sync-account";
import { isRunning, syncAllMutationKey, useSyncProgress } from "../api/sync-progress";

/** Syncs one account; also busy while "Sync all" runs this account. */
export function SyncButton({ accountId, name, disabled }: { accountId: string; name: string; disabled?: boolean }) {
  const sync = useSyncAccount();
  const starting = useIsMutating({ mutationKey: syncAllMutationKey }) > 0;
  const progress = useSyncProgress();
  const run = progress.data?.find((r) => r.account_id === accountId);
  const busy = sync.isPending || (!disabled && (starting || (run !== undefined && isRunning(run))));
  return (
    <Button variant="secondary" busy={busy} disabled={disabled} onClick={() => sync.mutate(accountId)} aria-label={`Sync ${name}`} data-testid="sync-account">
      {busy ? "Syncing…" : "Sync"}
    </Button>
  );
}
