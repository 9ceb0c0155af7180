import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Recommendation } from "@/lib/api/types";
import { portfolioKeys, portfolioPath } from "@/features/portfolios/api/keys";

export const createRecommendation = (id: string) => apiRequest<Recommendation>(`${portfolioPath(id)}/recommendations`, { method: "POST" });

function message(r: Recommendation): string {
  if (r.status === "incomplete") return "No trades proposed: data is missing (see the warning)";
  const n = r.trades.length;
  return n === 0 ? "No trades needed: the portfolio is within its bands" : `${n} trade${n === 1 ? "" : "s"} recommended`;
}

export const useCreateRecommendation = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createRecommendation,
    meta: { success: message, error: "Could not generate recommendations" },
    onSuccess: (r, id) => {
      qc.setQueryData<Recommendation[]>(portfolioKeys.recommendations(id), (list) => (list ? [r, ...list.filter((x) => x.id !== r.id)] : list));
      return qc.invalidateQueries({ queryKey: portfolioKeys.recommendations(id) });
    },
  });
};
