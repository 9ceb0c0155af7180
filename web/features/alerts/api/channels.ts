import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { AlertChannel, AlertTestResult, CreateAlertChannelRequest, CreatedAlertChannel } from "@/lib/api/types";
import { alertKeys } from "./keys";

const channelPath = (id: string) => `/alerts/channels/${encodeURIComponent(id)}`;

export const useChannels = () => useQuery({ queryKey: alertKeys.channels(), queryFn: () => apiRequest<AlertChannel[]>("/alerts/channels") });

/** The answer carries a webhook's secret: it stays in the form that shows it, never in the query cache. */
export const useCreateChannel = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateAlertChannelRequest) => apiRequest<CreatedAlertChannel>("/alerts/channels", { method: "POST", body }),
    meta: { success: "Channel added", inline: true },
    onSuccess: () => void qc.invalidateQueries({ queryKey: alertKeys.channels() }),
  });
};

/** Rules lose the channel and its deliveries leave the history: all of it is read afresh. */
export const useDeleteChannel = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiRequest<void>(channelPath(id), { method: "DELETE" }),
    meta: { success: "Channel deleted", error: "Could not delete the channel" },
    onSuccess: () => void qc.invalidateQueries({ queryKey: alertKeys.all }),
  });
};

/** One attempt now; the row says how it went, and the history gains the test. */
export const useTestChannel = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiRequest<AlertTestResult>(`${channelPath(id)}/test`, { method: "POST" }),
    meta: { inline: true },
    onSuccess: (r) => {
      qc.setQueryData<AlertChannel[]>(alertKeys.channels(), (list) => list?.map((c) => (c.id === r.channel.id ? r.channel : c)));
      void qc.invalidateQueries({ queryKey: alertKeys.history() });
    },
  });
};
