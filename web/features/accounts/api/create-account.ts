import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Account, CreateAccountRequest } from "@/lib/api/types";
import { accountKeys } from "@/lib/api/get-accounts";

export const createAccount = (body: CreateAccountRequest) => apiRequest<Account>("/accounts", { method: "POST", body });

export const useCreateAccount = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createAccount,
    meta: { success: (a: Account) => `Account “${a.name}” added`, error: "Could not add the account", inline: true },
    onSuccess: (a) => {
      qc.setQueryData(accountKeys.detail(a.id), a);
      return qc.invalidateQueries({ queryKey: accountKeys.list() });
    },
  });
};
