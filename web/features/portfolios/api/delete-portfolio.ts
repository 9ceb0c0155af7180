import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import { portfolioKeys, portfolioPath } from "@/lib/api/portfolio-keys";

export const deletePortfolio = (id: string) => apiRequest<void>(portfolioPath(id), { method: "DELETE" });

export const useDeletePortfolio = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deletePortfolio,
    meta: { success: "Portfolio deleted", error: "Could not delete the portfolio" },
    onSuccess: (_d, id) => {
      qc.removeQueries({ queryKey: portfolioKeys.detail(id) });
      return qc.invalidateQueries({ queryKey: portfolioKeys.list() });
    },
  });
};
