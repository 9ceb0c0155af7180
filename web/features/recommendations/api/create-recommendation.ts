import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Recommendation } from "@/lib/api/types";
import { portfolioKeys, portfolioPath } from "@/lib/api/portfolio-keys";

/** A portfolio's id, or its id and the accounts to leave out (each one the API marked `excludable`). */
export type CreateRecommendation = string | { id: string; exclude: string[] };

const target = (a: CreateRecommendation) => (typeof a === "string" ? { id: a, exclude: [] } : a);

export const createRecommendation = (a: CreateRecommendation) => {
  const { id, exclude } = target(a);
  const query = exclude.length > 0 ? `?exclude_accounts=${exclude.map(encodeURIComponent).join(",")}` : "";
  return apiRequest<Recommendation>(`${portfolioPath(id)}/recommendations${query}`, { method: "POST" });
};

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
    onSuccess: async (r, a) => {
      const key = portfolioKeys.recommendations(target(a).id);
      // A load of the list still on its way was asked before this recommendation existed: an
      // invalidation would only wait for it (a query without data is not refetched while it
      // loads) and its answer would hide the new one. Cancel it, show the new one, refetch.
      await qc.cancelQueries({ queryKey: key });
      qc.setQueryData<Recommendation[]>(key, (list) => [r, ...(list ?? []).filter((x) => x.id !== r.id)]);
      return qc.invalidateQueries({ queryKey: key });
    },
  });
};
