import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { AlertHistoryItem } from "@/lib/api/types";
import { alertKeys } from "./keys";

/** Deliveries go on in the background after an alert is raised: read afresh whenever shown. */
export const useAlertHistory = () =>
  useQuery({ queryKey: alertKeys.history(), queryFn: () => apiRequest<AlertHistoryItem[]>("/alerts/history", { query: { limit: 100 } }), staleTime: 0 });
