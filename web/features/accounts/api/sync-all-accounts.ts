import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { SyncAllItem } from "@/lib/api/types";
import { accountKeys } from "./get-accounts";

export const syncAllAccounts = () => apiRequest<SyncAllItem[]>("/accounts/sync-all", { method: "POST" });

function summary(items: SyncAllItem[]): string {
  const failed = items.filter((i) => i.status === "error").length;
  const ok = items.length - failed;
  return failed ? `Synced ${ok} of ${items.length} accounts; ${failed} failed` : `Synced ${items.length} account${items.length === 1 ? "" : "s"}`;
}

export const syncAllMutationKey = ["accounts", "sync-all"] as const;

export const useSyncAllAccounts = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationKey: syncAllMutationKey,
    mutationFn: syncAllAccounts,
    meta: { success: summary, error: "Sync failed" },
    onSettled: () => Promise.all([qc.invalidateQueries({ queryKey: accountKeys.all }), qc.invalidateQueries({ queryKey: ["portfolios"] })]),
  });
};
