import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Portfolio } from "@/lib/api/types";
import { portfolioKeys, portfolioPath } from "@/lib/api/portfolio-keys";

export const linkAccount = ({ portfolioId, accountId }: { portfolioId: string; accountId: string }) =>
  apiRequest<Portfolio | undefined>(`${portfolioPath(portfolioId)}/accounts`, { method: "POST", body: { account_id: accountId } });

export const useLinkAccount = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: linkAccount,
    meta: { success: "Account linked", error: "Could not link the account" },
    onSuccess: (_p, { portfolioId }) =>
      Promise.all([
        qc.invalidateQueries({ queryKey: portfolioKeys.detail(portfolioId), exact: true }),
        qc.invalidateQueries({ queryKey: portfolioKeys.allocation(portfolioId) }),
        qc.invalidateQueries({ queryKey: portfolioKeys.list() }),
      ]),
  });
};
