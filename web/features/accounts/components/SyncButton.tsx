"use client";

import { useIsMutating } from "@tanstack/react-query";
import { Button } from "@/components/ui";
import { useSyncAccount } from "../api/sync-account";
import { syncAllMutationKey } from "../api/sync-all-accounts";

/** Syncs one account; also shows progress while "Sync all" runs. */
export function SyncButton({ accountId, name, disabled }: { accountId: string; name: string; disabled?: boolean }) {
  const sync = useSyncAccount();
  const allRunning = useIsMutating({ mutationKey: syncAllMutationKey }) > 0;
  const busy = sync.isPending || (allRunning && !disabled);
  return (
    <Button variant="secondary" busy={busy} disabled={disabled} onClick={() => sync.mutate(accountId)} aria-label={`Sync ${name}`} data-testid="sync-account">
      {busy ? "Syncing…" : "Sync"}
    </Button>
  );
}
