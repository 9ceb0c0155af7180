"use client";

import { useEffect } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { showToast } from "@/lib/toast";
import { useLocationName } from "@/lib/api/get-chains";
import { batchSummary, isRunning, setSyncBatch, useSyncBatch, useSyncProgress } from "../api/sync-progress";

/** Follows a "Sync all" from any page: one toast when every account is done, then fresh data. */
export function SyncWatcher() {
  const batch = useSyncBatch();
  const progress = useSyncProgress();
  const qc = useQueryClient();
  const name = useLocationName();
  useEffect(() => {
    if (!batch || !progress.data) return;
    const runs = progress.data.filter((r) => batch.accountIds.includes(r.account_id));
    if (runs.length < batch.accountIds.length || runs.some(isRunning)) return;
    setSyncBatch(null);
    const s = batchSummary(runs, name);
    showToast(s.kind, s.message, { key: "sync-all" });
    void Promise.all([qc.invalidateQueries({ queryKey: ["accounts"] }), qc.invalidateQueries({ queryKey: ["portfolios"] }), qc.invalidateQueries({ queryKey: ["net-worth"] })]);
  }, [batch, progress.data, qc, name]);
  return null;
}
