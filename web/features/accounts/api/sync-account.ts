import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Account } from "@/lib/api/types";
import { accountKeys } from "./get-accounts";

export const syncAccount = (id: string) => apiRequest<Account>(`/accounts/${encodeURIComponent(id)}/sync`, { method: "POST" });

function syncMessage(a: Account): string {
  if (a.last_sync_status === "error") return `Sync of “${a.name}” failed: ${a.last_sync_error ?? "unknown error"}`;
  if (a.last_sync_status === "partial") return `“${a.name}” partly synced: ${a.last_sync_error ?? "some chains failed"}`;
  return `“${a.name}” synced`;
}

/** Syncs one account; the answer (holdings, status, error) replaces the cached account. */
export const useSyncAccount = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: syncAccount,
    meta: { success: syncMessage, error: "Sync failed" },
    onSuccess: (a) => {
      qc.setQueryData(accountKeys.detail(a.id), a);
      qc.setQueryData<Account[]>(accountKeys.list(), (list) => list?.map((x) => (x.id === a.id ? a : x)));
      return qc.invalidateQueries({ queryKey: ["portfolios"] });
    },
  });
};
