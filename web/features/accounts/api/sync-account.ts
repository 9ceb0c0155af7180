import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Account } from "@/lib/api/types";
import type { ToastText } from "@/lib/query-client";
import { chainsQueryOptions, locationName } from "@/lib/api/get-chains";
import { accountProblems, problemsSentence } from "@/lib/sync-problems";
import { accountKeys } from "@/lib/api/get-accounts";

export const syncAccount = (id: string) => apiRequest<Account>(`/accounts/${encodeURIComponent(id)}/sync`, { method: "POST" });

const plainName = (location: string) => locationName(undefined, location);

/** The failing locations in words, one part per cause: "Base, Aave v3 on Base: RPC timed out; Arbitrum: RPC cannot be reached". */
export function problemsOf(a: Account, displayName: (location: string) => string = plainName): string {
  return problemsSentence(accountProblems(a, displayName));
}

/** Green only when every location was read; partly failed is amber, failed red. */
export function syncMessage(a: Account, displayName: (location: string) => string = plainName): ToastText {
  if (a.last_sync_status === "error") return { kind: "error", message: `Sync of “${a.name}” failed: ${problemsOf(a, displayName)}` };
  if (a.last_sync_status === "partial") return { kind: "warning", message: `“${a.name}” partly synced: ${problemsOf(a, displayName)}` };
  return `“${a.name}” synced`;
}

/** Syncs one account; the answer (holdings, status, error) replaces the cached account. */
export const useSyncAccount = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationKey: ["accounts", "sync"],
    mutationFn: syncAccount,
    meta: { success: (a: Account) => syncMessage(a, (l) => locationName(qc.getQueryData(chainsQueryOptions().queryKey), l)), error: "Sync failed" },
    onSuccess: (a) => {
      qc.setQueryData(accountKeys.detail(a.id), a);
      qc.setQueryData<Account[]>(accountKeys.list(), (list) => list?.map((x) => (x.id === a.id ? a : x)));
      return Promise.all([qc.invalidateQueries({ queryKey: ["portfolios"] }), qc.invalidateQueries({ queryKey: ["net-worth"] }), qc.invalidateQueries({ queryKey: ["sync-progress"] })]);
    },
  });
};
