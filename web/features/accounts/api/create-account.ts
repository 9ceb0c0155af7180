import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Account, CreateAccountRequest } from "@/lib/api/types";
import { accountKeys } from "@/lib/api/get-accounts";
import { followSyncs, getSyncProgress, syncProgressKey } from "./sync-progress";

export const createAccount = (body: CreateAccountRequest) => apiRequest<Account>("/accounts", { method: "POST", body });

/** The API starts an account's first sync as it adds it: follow it (progress on the row, a toast when done). */
async function followFirstSync(qc: ReturnType<typeof useQueryClient>, id: string) {
  try {
    const runs = await qc.fetchQuery({ queryKey: syncProgressKey, queryFn: getSyncProgress, staleTime: 0 });
    // Done already (a manual account is read at once): the watcher reports it and refreshes all the same.
    if (runs.some((r) => r.account_id === id)) followSyncs([id]);
  } catch {
    // No progress to show: the account's sync status tells the rest.
  }
}

export const useCreateAccount = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createAccount,
    meta: { success: (a: Account) => `Account “${a.name}” added`, error: "Could not add the account", inline: true },
    onSuccess: (a) => {
      qc.setQueryData(accountKeys.detail(a.id), a);
      void followFirstSync(qc, a.id);
      return qc.invalidateQueries({ queryKey: accountKeys.list() });
    },
  });
};
