import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Account } from "@/lib/api/types";
import type { ToastText } from "@/lib/query-client";
import { plainSyncReason } from "@/lib/sync-text";
import { accountKeys } from "@/lib/api/get-accounts";

export const syncAccount = (id: string) => apiRequest<Account>(`/accounts/${encodeURIComponent(id)}/sync`, { method: "POST" });

/** The failing locations in words: "base: RPC timed out; arbitrum: RPC cannot be reached". */
export function problemsOf(a: Account): string {
  const bad = (a.locations ?? []).filter((l) => l.status !== "ok");
  if (bad.length === 0) return a.last_sync_error ? plainSyncReason(a.last_sync_error) : "some locations failed";
  return bad.map((l) => `${l.location}: ${plainSyncReason(l.error, l.location)}`).join("; ");
}

/** Green only when every location was read; partly failed is amber, failed red. */
export function syncMessage(a: Account): ToastText {
  if (a.last_sync_status === "error") return { kind: "error", message: `Sync of “${a.name}” failed: ${problemsOf(a)}` };
  if (a.last_sync_status === "partial") return { kind: "warning", message: `“${a.name}” partly synced: ${problemsOf(a)}` };
  return `“${a.name}” synced`;
}

/** Syncs one account; the answer (holdings, status, error) replaces the cached account. */
export const useSyncAccount = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationKey: ["accounts", "sync"],
    mutationFn: syncAccount,
    meta: { success: syncMessage, error: "Sync failed" },
    onSuccess: (a) => {
      qc.setQueryData(accountKeys.detail(a.id), a);
      qc.setQueryData<Account[]>(accountKeys.list(), (list) => list?.map((x) => (x.id === a.id ? a : x)));
      return Promise.all([qc.invalidateQueries({ queryKey: ["portfolios"] }), qc.invalidateQueries({ queryKey: ["net-worth"] }), qc.invalidateQueries({ queryKey: ["sync-progress"] })]);
    },
  });
};
