import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { AlertRule, AlertRuleRequest } from "@/lib/api/types";
import { alertKeys } from "./keys";

const rulePath = (id: string) => `/alerts/rules/${encodeURIComponent(id)}`;

export const useRules = () => useQuery({ queryKey: alertKeys.rules(), queryFn: () => apiRequest<AlertRule[]>("/alerts/rules") });

export const useCreateRule = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: AlertRuleRequest) => apiRequest<AlertRule>("/alerts/rules", { method: "POST", body }),
    meta: { success: "Rule added", inline: true },
    onSuccess: () => void qc.invalidateQueries({ queryKey: alertKeys.rules() }),
  });
};

/** The API replaces a rule whole: switching it on or off sends it back as it is, but for `enabled`. */
export const useSetRuleEnabled = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ rule, enabled }: { rule: AlertRule; enabled: boolean }) =>
      apiRequest<AlertRule>(rulePath(rule.id), {
        method: "PUT",
        body: { name: rule.name, kind: rule.kind, params: rule.params, channel_ids: rule.channel_ids, cooldown_secs: rule.cooldown_secs, enabled } satisfies AlertRuleRequest,
      }),
    meta: { success: (r: AlertRule) => (r.enabled ? `Rule "${r.name}" is on` : `Rule "${r.name}" is off`), error: "Could not change the rule" },
    onSuccess: (r) => qc.setQueryData<AlertRule[]>(alertKeys.rules(), (list) => list?.map((x) => (x.id === r.id ? r : x))),
  });
};

export const useDeleteRule = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiRequest<void>(rulePath(id), { method: "DELETE" }),
    meta: { success: "Rule deleted", error: "Could not delete the rule" },
    onSuccess: () => void qc.invalidateQueries({ queryKey: alertKeys.rules() }),
  });
};
