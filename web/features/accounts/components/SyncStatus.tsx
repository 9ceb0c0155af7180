"use client";

import { Badge, Spinner } from "@/components/ui";
import { useLocationName } from "@/lib/api/get-chains";
import { formatDateTime, timeAgo } from "@/lib/time";
import { plainSyncReason } from "@/lib/sync-text";
import { accountProblems } from "@/lib/sync-problems";
import { SyncProblemList } from "@/components/SyncProblemList";
import { useNow } from "@/lib/use-now";
import type { Account, AccountLocation, SyncRun } from "@/lib/api/types";

export function SyncStatusBadge({ status }: { status: Account["last_sync_status"] }) {
  switch (status) {
    case "ok":
      return <Badge tone="green" testId="sync-status">Synced</Badge>;
    case "partial":
      return <Badge tone="amber" testId="sync-status" title="Some locations could not be read: their balances are from the last good read">Partly synced</Badge>;
    case "error":
      return <Badge tone="red" testId="sync-status">Failed</Badge>;
    default:
      return <Badge tone="slate" testId="sync-status">Never synced</Badge>;
  }
}

export function LastSync({ account }: { account: Account }) {
  return (
    <span className="text-xs text-slate-500 dark:text-slate-400" title={formatDateTime(account.last_synced_at)} data-testid="last-synced">
      {account.last_synced_at ? `Last sync ${timeAgo(account.last_synced_at)}` : "Not synced yet"}
    </span>
  );
}

const LOCATION_TONES: Record<string, "green" | "amber" | "red" | "slate"> = {
  ok: "green",
  partial: "amber",
  failed: "red",
  not_refreshed: "slate",
};

const LOCATION_WORDS: Record<string, string> = { ok: "ok", partial: "partly read", failed: "failed", not_refreshed: "not refreshed" };

/** The account's sync problems, one line per cause: "Ethereum, Aave v3 on Ethereum: RPC cannot be reached · never read". */
export function LocationProblems({ account }: { account: Account }) {
  const name = useLocationName();
  const lines = accountProblems(account, name);
  const tone = account.last_sync_status === "error" ? "text-rose-700 dark:text-rose-400" : "text-amber-700 dark:text-amber-400";
  return <SyncProblemList lines={lines} className={`mt-1 space-y-0.5 text-xs ${tone}`} />;
}

/** Each chain or exchange part with its status, the age of its last good read and why. */
export function LocationList({ locations }: { locations: AccountLocation[] }) {
  const name = useLocationName();
  return (
    <ul className="space-y-2 text-sm" data-testid="locations">
      {locations.map((l) => (
        <li key={l.location} className="flex flex-wrap items-center gap-2" data-testid="location" data-location={l.location} data-status={l.status}>
          <span className="font-medium">{name(l.location)}</span>
          <Badge tone={LOCATION_TONES[l.status] ?? "slate"}>{LOCATION_WORDS[l.status] ?? l.status.replace("_", " ")}</Badge>
          <span className="text-xs text-slate-500 dark:text-slate-400" title={formatDateTime(l.synced_at)}>
            {l.synced_at ? `read ${timeAgo(l.synced_at)}` : "never read"}
          </span>
          {/* Failed and partly read locations are said once, grouped by cause, in the alert above. */}
          {l.error && l.status === "not_refreshed" && <span className="text-xs text-slate-600 dark:text-slate-300">{plainSyncReason(l.error, l.location)}</span>}
        </li>
      ))}
    </ul>
  );
}

function seconds(from: string | null | undefined, now: number): string {
  if (!from) return "";
  const s = Math.max(0, Math.round((now - Date.parse(from)) / 1000));
  return `${s} s`;
}

/** A running sync, per location: "Base reading… 12 s". */
export function SyncRunProgress({ run }: { run: SyncRun }) {
  const name = useLocationName();
  const now = useNow(run.status === "running");
  if (run.status === "queued") {
    return (
      <p className="mt-1 flex items-center gap-2 text-xs text-slate-500" data-testid="sync-progress" data-status="queued">
        <Spinner className="h-3 w-3" /> Waiting for a free sync slot…
      </p>
    );
  }
  if (run.status !== "running") return null;
  return (
    <ul className="mt-1 flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-600 dark:text-slate-300" data-testid="sync-progress" data-status="running">
      {run.steps.map((s) => (
        <li key={s.location} className="flex items-center gap-1" data-testid="sync-step" data-location={s.location} data-status={s.status}>
          {s.status === "reading" ? <Spinner className="h-3 w-3" /> : null}
          {name(s.location)} {s.status === "reading" ? `reading… ${seconds(run.started_at, now)}` : s.status}
        </li>
      ))}
      {run.steps.length === 0 && <li>Syncing… {seconds(run.started_at, now)}</li>}
    </ul>
  );
}
