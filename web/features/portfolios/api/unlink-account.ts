import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import { portfolioKeys, portfolioPath } from "@/lib/api/portfolio-keys";

export const unlinkAccount = ({ portfolioId, accountId }: { portfolioId: string; accountId: string }) =>
  apiRequest<unknown>(`${portfolioPath(portfolioId)}/accounts/${encodeURIComponent(accountId)}`, { method: "DELETE" });

export const useUnlinkAccount = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: unlinkAccount,
    meta: { success: "Account unlinked", error: "Could not unlink the account" },
    onSuccess: (_r, { portfolioId }) =>
      Promise.all([
        qc.invalidateQueries({ queryKey: portfolioKeys.detail(portfolioId), exact: true }),
        qc.invalidateQueries({ queryKey: portfolioKeys.allocation(portfolioId) }),
        qc.invalidateQueries({ queryKey: portfolioKeys.list() }),
      ]),
  });
};
