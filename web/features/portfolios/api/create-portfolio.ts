import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { CreatePortfolioRequest, Portfolio } from "@/lib/api/types";
import { portfolioKeys } from "@/lib/api/portfolio-keys";

export const createPortfolio = (body: CreatePortfolioRequest) => apiRequest<Portfolio>("/portfolios", { method: "POST", body });

export const useCreatePortfolio = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createPortfolio,
    meta: { success: (p: Portfolio) => `Portfolio “${p.name}” created`, error: "Could not create the portfolio", inline: true },
    onSuccess: (p) => {
      qc.setQueryData(portfolioKeys.detail(p.id), p);
      return qc.invalidateQueries({ queryKey: portfolioKeys.list() });
    },
  });
};
