import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { TimelinePoint } from "@/lib/api/types";
import { portfolioKeys, portfolioPath } from "@/lib/api/portfolio-keys";
import type { DateRange } from "./portfolio-keys";

export const getTimeline = (id: string, range: DateRange = {}) =>
  apiRequest<TimelinePoint[]>(`${portfolioPath(id)}/snapshots/timeline`, { query: range });

export const timelineQueryOptions = (id: string, range: DateRange = {}) =>
  queryOptions({ queryKey: portfolioKeys.timeline(id, range), queryFn: () => getTimeline(id, range) });

export const useTimeline = (id: string | undefined, range: DateRange = {}) =>
  useQuery({ ...timelineQueryOptions(id ?? "", range), enabled: Boolean(id) });
