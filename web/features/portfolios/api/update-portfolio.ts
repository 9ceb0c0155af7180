import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Portfolio, UpdatePortfolioRequest } from "@/lib/api/types";
import { portfolioKeys, portfolioPath } from "@/lib/api/portfolio-keys";

export const updatePortfolio = ({ id, body }: { id: string; body: UpdatePortfolioRequest }) =>
  apiRequest<Portfolio>(portfolioPath(id), { method: "PUT", body });

export const useUpdatePortfolio = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updatePortfolio,
    meta: { success: "Portfolio saved", error: "Could not save the portfolio", inline: true },
    onSuccess: (p) => {
      qc.setQueryData(portfolioKeys.detail(p.id), p);
      return Promise.all([
        qc.invalidateQueries({ queryKey: portfolioKeys.list() }),
        qc.invalidateQueries({ queryKey: portfolioKeys.allocation(p.id) }),
      ]);
    },
  });
};
