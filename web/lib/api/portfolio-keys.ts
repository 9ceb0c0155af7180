/** A date window on a portfolio's history; either end may be open. */
export type DateRange = { from?: string; to?: string };

export const portfolioKeys = {
  all: ["portfolios"] as const,
  list: () => [...portfolioKeys.all, "list"] as const,
  detail: (id: string) => [...portfolioKeys.all, id] as const,
  allocation: (id: string) => [...portfolioKeys.all, id, "allocation"] as const,
  snapshots: (id: string, range?: { from?: string; to?: string }) => [...portfolioKeys.all, id, "snapshots", range ?? {}] as const,
  timeline: (id: string, range?: { from?: string; to?: string }) => [...portfolioKeys.all, id, "timeline", range ?? {}] as const,
  recommendations: (id: string) => [...portfolioKeys.all, id, "recommendations"] as const,
};

export const portfolioPath = (id: string) => `/portfolios/${encodeURIComponent(id)}`;
