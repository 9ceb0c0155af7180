"use client";

import { useEffect, useState } from "react";
import { QueryState } from "@/components/states";
import { Badge, Button, Card, TableWrap, td, th } from "@/components/ui";
import { useQueryClient } from "@tanstack/react-query";
import type { Job, JobRun } from "@/lib/api/types";
import { formatDateTime } from "@/lib/time";
import { durationsInWords, durationWords, scheduleWords } from "@/lib/schedule-words";
import { toast } from "@/lib/toast";
import { useJobRun } from "../api/get-job-run";
import { adminKeys, useJobs } from "../api/get-jobs";
import { useRunMigrations } from "../api/run-migrations";
import { useTriggerJob } from "../api/trigger-job";
import { AdminFrame } from "./AdminFrame";

function RunStatus({ run }: { run: JobRun | null | undefined }) {
  if (!run) return <span className="text-slate-400">never</span>;
  const tone = run.status === "succeeded" ? "green" : run.status === "running" ? "blue" : run.status === "partial" ? "amber" : "red";
  return (
    <span className="flex flex-col gap-0.5">
      <span>
        <Badge tone={tone} testId="job-run-status">{run.status}</Badge> <span className="text-xs text-slate-500">{run.items_processed} items</span>
      </span>
      <span className="text-xs text-slate-500">
        {formatDateTime(run.finished_at ?? run.started_at)}
        {run.finished_at && <span data-testid="job-run-duration"> · took {durationWords((Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000)}</span>}
      </span>
      {run.error && <span className="break-words text-xs text-rose-600" data-testid="job-run-error">{durationsInWords(run.error)}</span>}
    </span>
  );
}

function JobRow({ job }: { job: Job }) {
  const trigger = useTriggerJob();
  const qc = useQueryClient();
  const [runId, setRunId] = useState<string>();
  const run = useJobRun(runId);
  const current = run.data ?? job.last_run;
  const running = trigger.isPending || (runId ? !run.data || run.data.status === "running" : job.running);

  useEffect(() => {
    if (!runId || !run.data || run.data.status === "running") return;
    const s = run.data.status;
    if (s === "succeeded") toast.success(`${job.name} finished: ${run.data.items_processed} items`);
    else toast.error(`${job.name} ${s}${run.data.error ? `: ${durationsInWords(run.data.error)}` : ""}`);
    setRunId(undefined);
    qc.invalidateQueries({ queryKey: adminKeys.jobs });
  }, [run.data, runId, job.name, qc]);

  return (
    <tr data-testid="job-row" data-job={job.name}>
      <td className={`${td} font-medium`}>{job.name}</td>
      <td className={`${td} text-xs`} title={`${job.schedule} (cron, UTC)`} data-testid="job-schedule">
        {scheduleWords(job.schedule)}
      </td>
      <td className={td}>{job.enabled ? <Badge tone="green">on</Badge> : <Badge>off</Badge>}</td>
      <td className={td}>
        <RunStatus run={current} />
      </td>
      <td className={`${td} text-xs text-slate-500`}>{formatDateTime(job.next_run)}</td>
      <td className={`${td} text-right`}>
        <Button variant="secondary" busy={running} onClick={() => trigger.mutate(job.name, { onSuccess: (r) => setRunId(r.run_id) })} aria-label={`Run ${job.name}`}>
          {running ? "Running…" : "Run now"}
        </Button>
      </td>
    </tr>
  );
}

function MigrationsCard() {
  const migrate = useRunMigrations();
  return (
    <Card title="Database migrations">
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">Migrations run at start; this applies any that are pending without a restart.</p>
      <Button variant="secondary" busy={migrate.isPending} onClick={() => migrate.mutate()}>
        Run migrations
      </Button>
      {migrate.data && <p className="mt-2 text-sm">{migrate.data.applied.length ? `Applied: ${migrate.data.applied.join(", ")}` : "Nothing to apply."}</p>}
    </Card>
  );
}

function JobsBody() {
  const jobs = useJobs();
  return (
    <div className="space-y-6">
      <Card title="Background jobs">
        <QueryState query={jobs} loadingLabel="Loading jobs…" isEmpty={(d) => d.length === 0} empty={<p className="text-sm text-slate-500">No jobs.</p>}>
          {(list) => (
            <TableWrap>
              <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-800">
                <thead>
                  <tr>
                    <th className={th}>Job</th>
                    <th className={th}>Schedule (UTC)</th>
                    <th className={th}>Scheduled</th>
                    <th className={th}>Last run</th>
                    <th className={th}>Next run</th>
                    <th className={th} />
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                  {list.map((j) => (
                    <JobRow key={j.name} job={j} />
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </QueryState>
      </Card>
      <MigrationsCard />
    </div>
  );
}

export function JobsView() {
  return (
    <AdminFrame title="Admin" subtitle="Jobs, chains and tokens">
      <JobsBody />
    </AdminFrame>
  );
}
