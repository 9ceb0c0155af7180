import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Account, ManualEntry, ManualHoldingRequest } from "@/lib/api/types";
import { accountKeys } from "@/lib/api/get-accounts";

export const manualKeys = {
  history: (id: string) => [...accountKeys.detail(id), "manual-history"] as const,
};

export const setManualHolding = (id: string, body: ManualHoldingRequest) =>
  apiRequest<Account>(`/accounts/${encodeURIComponent(id)}/manual-holdings`, { method: "PUT", body });

export const getManualHistory = (id: string) => apiRequest<ManualEntry[]>(`/accounts/${encodeURIComponent(id)}/manual-holdings/history`);

export const manualHistoryOptions = (id: string) => queryOptions({ queryKey: manualKeys.history(id), queryFn: () => getManualHistory(id) });

export const useManualHistory = (id: string) => useQuery(manualHistoryOptions(id));

/** Sets one asset's quantity; the answer (the account, valued) replaces the cached account. */
export const useSetManualHolding = (id: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ManualHoldingRequest) => setManualHolding(id, body),
    // Field errors stay inline (no toast); success is visible in the table itself.
    meta: { success: (a: Account) => `“${a.name}” updated` },
    onSuccess: (a) => {
      qc.setQueryData(accountKeys.detail(a.id), a);
      // Not awaited: the save is done when its answer is shown (the form clears then); waiting
      // for these refetches left the typed values in place until they came, then wiped
      // whatever the user had typed next.
      void qc.invalidateQueries({ queryKey: manualKeys.history(id) });
      void qc.invalidateQueries({ queryKey: accountKeys.list() });
    },
  });
};
