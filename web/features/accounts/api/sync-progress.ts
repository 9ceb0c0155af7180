import { useEffect, useRef, useSyncExternalStore } from "react";
import { useIsMutating, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Account, SyncRun } from "@/lib/api/types";
import { locationName } from "@/lib/api/get-chains";
import { problemsSentence, runProblems } from "@/lib/sync-problems";

export const syncProgressKey = ["sync-progress"] as const;

/** The accounts "Sync all" started and not yet reported on (outlives the page that started it). */
export interface SyncBatch {
  accountIds: string[];
  startedAt: number;
}

let batch: SyncBatch | null = null;
const batchListeners = new Set<() => void>();
export function setSyncBatch(b: SyncBatch | null) {
  batch = b;
  for (const l of batchListeners) l();
}
export const getSyncBatch = () => batch;

/** Follows these accounts' syncs too (the first sync of an account just added): one toast when all are done. */
export function followSyncs(accountIds: string[]) {
  const ids = [...(batch?.accountIds ?? []), ...accountIds.filter((id) => !batch?.accountIds.includes(id))];
  setSyncBatch({ accountIds: ids, startedAt: batch?.startedAt ?? Date.now() });
}
export const useSyncBatch = () =>
  useSyncExternalStore(
    (l) => {
      batchListeners.add(l);
      return () => batchListeners.delete(l);
    },
    getSyncBatch,
    () => null,
  );

export const getSyncProgress = () => apiRequest<SyncRun[]>("/accounts/sync-progress");
export const startSyncAll = () => apiRequest<SyncRun[]>("/accounts/sync-all/start", { method: "POST" });

export const isRunning = (r: SyncRun) => r.status === "queued" || r.status === "running";

/** Every account's latest sync run; polled every second while a sync runs (a batch, or a single sync in flight). */
export function useSyncProgress({ always = false }: { always?: boolean } = {}) {
  const single = useIsMutating({ mutationKey: ["accounts", "sync"] }) > 0;
  const active = useSyncBatch();
  return useQuery({
    queryKey: syncProgressKey,
    queryFn: getSyncProgress,
    enabled: always || single || active !== null,
    staleTime: 0,
    refetchInterval: (q) => (single || active || (q.state.data ?? []).some(isRunning) ? 1000 : false),
  });
}

/**
 * The accounts page's view of syncs: always asked (a sync the API started itself, such as an
 * added account's first one, shows too), and the accounts are read again when a sync ends or
 * a never-synced account's sync is already done.
 */
export function useSyncProgressOfList(accounts: Pick<Account, "id" | "last_sync_status">[]) {
  const progress = useSyncProgress({ always: true });
  const qc = useQueryClient();
  const running = useRef<Set<string>>(new Set());
  // Runs already read again for (account and end): once each, never a loop.
  const refreshed = useRef<Set<string>>(new Set());
  useEffect(() => {
    const runs = progress.data ?? [];
    const now = new Set(runs.filter(isRunning).map((r) => r.account_id));
    const ended = [...running.current].some((id) => !now.has(id));
    running.current = now;
    const stale = runs.filter((r) => !isRunning(r) && accounts.some((a) => a.id === r.account_id && a.last_sync_status == null)).map((r) => `${r.account_id}@${r.finished_at ?? ""}`).filter((k) => !refreshed.current.has(k));
    for (const k of stale) refreshed.current.add(k);
    if (ended || stale.length > 0) {
      void Promise.all([qc.invalidateQueries({ queryKey: ["accounts"] }), qc.invalidateQueries({ queryKey: ["portfolios"] }), qc.invalidateQueries({ queryKey: ["net-worth"] })]);
    }
  }, [progress.data, accounts, qc]);
  return progress;
}

/** "Sync all" answers at once; progress follows per account, also after leaving the page. */
export const syncAllMutationKey = ["accounts", "sync-all"] as const;

export const useSyncAllAccounts = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationKey: syncAllMutationKey,
    mutationFn: startSyncAll,
    meta: { error: "Sync all failed" },
    onSuccess: (runs) => {
      qc.setQueryData<SyncRun[]>(syncProgressKey, (old) => [...(old ?? []).filter((o) => !runs.some((r) => r.account_id === o.account_id)), ...runs]);
      setSyncBatch({ accountIds: runs.map((r) => r.account_id), startedAt: Date.now() });
      return qc.invalidateQueries({ queryKey: syncProgressKey });
    },
  });
};

/**
 * The toast once every account of a batch is done: green only when all were read fully. One
 * account (the first sync of an account just added) is named, as a single sync is.
 */
export function batchSummary(
  runs: SyncRun[],
  displayName: (location: string) => string = (l) => locationName(undefined, l),
): { kind: "success" | "warning" | "error"; message: string } {
  if (runs.length === 1) {
    const r = runs[0];
    const problems = () => problemsSentence(runProblems(r, displayName));
    if (r.status === "error") return { kind: "error", message: `Sync of “${r.account_name}” failed: ${problems()}` };
    if (r.status === "partial") return { kind: "warning", message: `“${r.account_name}” partly synced: ${problems()}` };
    return { kind: "success", message: `“${r.account_name}” synced` };
  }
  const failed = runs.filter((r) => r.status === "error");
  const partial = runs.filter((r) => r.status === "partial");
  const n = runs.length;
  if (failed.length === 0 && partial.length === 0) return { kind: "success", message: `Synced ${n} account${n === 1 ? "" : "s"}` };
  const parts = [
    partial.length ? `${partial.length} partly (${partial.map((r) => r.account_name).join(", ")})` : "",
    failed.length ? `${failed.length} failed (${failed.map((r) => r.account_name).join(", ")})` : "",
  ].filter(Boolean);
  const ok = n - failed.length - partial.length;
  return { kind: failed.length ? "error" : "warning", message: `Synced ${ok} of ${n} accounts fully; ${parts.join(", ")}` };
}
