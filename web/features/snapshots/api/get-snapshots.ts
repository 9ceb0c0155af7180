import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Snapshot } from "@/lib/api/types";
import { portfolioKeys, portfolioPath } from "@/lib/api/portfolio-keys";

export type { DateRange } from "@/lib/api/portfolio-keys";
import type { DateRange } from "@/lib/api/portfolio-keys";

export const getSnapshots = (id: string, range: DateRange = {}) => apiRequest<Snapshot[]>(`${portfolioPath(id)}/snapshots`, { query: range });

export const snapshotsQueryOptions = (id: string, range: DateRange = {}) =>
  queryOptions({ queryKey: portfolioKeys.snapshots(id, range), queryFn: () => getSnapshots(id, range) });

export const useSnapshots = (id: string, range: DateRange = {}) => useQuery(snapshotsQueryOptions(id, range));
