"use client";

import { useMemo } from "react";
import { EmptyState, QueryState } from "@/components/states";
import { Badge, Button, Card, TableWrap, cx, td, th } from "@/components/ui";
import type { AlertHistoryItem } from "@/lib/api/types";
import { formatDateTime, timeAgo } from "@/lib/time";
import { useChannels } from "../api/channels";
import { useAlertHistory } from "../api/history";
import { ruleKindLabel } from "../kinds";
import { alertStateLabel, deliveryOutcome, historyInOrder } from "../words";

function When({ at }: { at: string }) {
  return (
    <time dateTime={at} title={formatDateTime(at)}>
      {formatDateTime(at)} <span className="text-slate-500 dark:text-slate-400">({timeAgo(at)})</span>
    </time>
  );
}

const stateTone = (s: string) => (s === "triggered" ? "red" : s === "cleared" ? "green" : "slate");
const deliveryTone = (s: string) => (s === "delivered" ? "text-emerald-700 dark:text-emerald-400" : s === "failed" ? "text-rose-700 dark:text-rose-400" : "text-slate-600 dark:text-slate-400");

function AlertItem({ alert, channels, highlighted }: { alert: AlertHistoryItem; channels: Map<string, string>; highlighted: boolean }) {
  return (
    <li id={`alert-${alert.id}`} data-testid="history-alert" data-kind={alert.kind} data-state={alert.state} className={cx("py-3", highlighted && "rounded-md bg-indigo-50 px-2 dark:bg-indigo-950/40")}>
      <p className="flex flex-wrap items-center gap-2 font-medium text-slate-900 dark:text-slate-100">
        {alert.title}
        <Badge tone={stateTone(alert.state)}>{alertStateLabel(alert.state)}</Badge>
        {alert.kind !== "test" && <Badge tone="blue">{ruleKindLabel(alert.kind)}</Badge>}
      </p>
      <p className="text-sm text-slate-700 dark:text-slate-300">{alert.message}</p>
      <p className="text-xs text-slate-500 dark:text-slate-400">
        <When at={alert.created_at} />
      </p>
      {alert.deliveries.length === 0 ? (
        <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">No delivery attempt yet.</p>
      ) : (
        <TableWrap>
          <table className="mt-2 min-w-full text-left">
            <thead>
              <tr>
                <th className={th}>Time</th>
                <th className={th}>Channel</th>
                <th className={th}>Attempt</th>
                <th className={th}>Outcome</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {alert.deliveries.map((d, i) => (
                <tr key={`${d.channel_id}-${d.attempt}-${i}`} data-testid="delivery" data-status={d.status}>
                  <td className={td}>
                    <When at={d.at} />
                  </td>
                  <td className={td}>{channels.get(d.channel_id) ?? "a deleted channel"}</td>
                  <td className={td}>{d.attempt > 0 ? d.attempt : "—"}</td>
                  <td className={cx(td, deliveryTone(d.status))}>{deliveryOutcome(d)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </li>
  );
}

/** Every alert, newest first, with each delivery attempt; `highlight` is the alert a notification linked to. */
export function HistoryCard({ highlight }: { highlight?: string | null }) {
  const history = useAlertHistory();
  const channels = useChannels();
  const names = useMemo(() => new Map((channels.data ?? []).map((c) => [c.id, c.name])), [channels.data]);
  return (
    <Card
      title="History"
      actions={
        <Button variant="secondary" busy={history.isFetching && !history.isPending} onClick={() => void history.refetch()}>
          Refresh
        </Button>
      }
    >
      <QueryState query={history} isEmpty={(l) => l.length === 0} empty={<EmptyState title="No alerts yet">Alerts and test sends show here with every delivery attempt.</EmptyState>}>
        {(list) => (
          <ul className="divide-y divide-slate-200 dark:divide-slate-800">
            {historyInOrder(list).map((a) => (
              <AlertItem key={a.id} alert={a} channels={names} highlighted={a.id === highlight} />
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
