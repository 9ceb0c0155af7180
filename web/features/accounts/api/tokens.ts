import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { AddTokenRequest, SetTokenMarkRequest, UserToken } from "@/lib/api/types";
import { accountKeys } from "@/lib/api/get-accounts";

export const tokenKeys = {
  account: (id: string) => [...accountKeys.detail(id), "tokens"] as const,
};

export const getAccountTokens = (id: string) => apiRequest<UserToken[]>(`/accounts/${encodeURIComponent(id)}/tokens`);

export const accountTokensOptions = (id: string) => queryOptions({ queryKey: tokenKeys.account(id), queryFn: () => getAccountTokens(id) });

export const useAccountTokens = (id: string) => useQuery(accountTokensOptions(id));

/** Adds a token by contract (the API reads its symbol, name and decimals on chain). */
export const useAddAccountToken = (id: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: AddTokenRequest) => apiRequest<UserToken>(`/accounts/${encodeURIComponent(id)}/tokens`, { method: "POST", body }),
    meta: { success: (t: UserToken) => `${t.symbol} added: the next sync reads it` },
    onSuccess: () => qc.invalidateQueries({ queryKey: tokenKeys.account(id) }),
  });
};

export const useDeleteAccountToken = (id: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (tokenId: string) => apiRequest<void>(`/accounts/${encodeURIComponent(id)}/tokens/${encodeURIComponent(tokenId)}`, { method: "DELETE" }),
    meta: { success: "Token removed", error: "Could not remove the token" },
    onSuccess: () => qc.invalidateQueries({ queryKey: tokenKeys.account(id) }),
  });
};

/** Marks a token as spam or trusted (or clears the mark); shown at once on every account. */
export const useSetTokenMark = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: SetTokenMarkRequest) => apiRequest<unknown>("/tokens/marks", { method: "PUT", body }),
    meta: { success: (_d: unknown, v: SetTokenMarkRequest) => (v.mark === "spam" ? "Marked as spam" : v.mark === "trusted" ? "Marked as not spam" : "Mark cleared"), error: "Could not mark the token" },
    onSuccess: () => Promise.all([qc.invalidateQueries({ queryKey: accountKeys.all }), qc.invalidateQueries({ queryKey: ["net-worth"] })]),
  });
};
