"use client";

import { useState } from "react";
import { EmptyState, QueryState } from "@/components/states";
import { Button, Card, Field, Input, PageHeader, Select, TableWrap, td, th } from "@/components/ui";
import { useAccounts } from "@/lib/api/get-accounts";
import { useMe } from "@/lib/api/get-me";
import { usePortfolios } from "@/lib/api/get-portfolios";
import { formatDateTime } from "@/lib/time";
import { useAudit, type AuditFilter } from "../api/get-audit";
import { AUDIT_KINDS, auditWords } from "../words";

const KIND_OPTIONS = Object.entries(AUDIT_KINDS).filter(([k]) => k !== "portfolio_link");

/** The audit log: your changes (an admin's: everyone's), filtered by kind, actor and day, in words. */
export function AuditView() {
  const me = useMe();
  const admin = me.data?.is_admin ?? false;
  const accounts = useAccounts();
  const portfolios = usePortfolios();
  const [filter, setFilter] = useState<AuditFilter>({});
  const audit = useAudit(filter);
  const set = (patch: Partial<AuditFilter>) => setFilter((f) => ({ ...f, ...patch, offset: undefined }));
  const nameOf = (id: string) => accounts.data?.find((a) => a.id === id)?.name ?? portfolios.data?.find((p) => p.id === id)?.name;
  const actors = new Map<string, string>();
  for (const e of audit.data?.events ?? []) if (e.actor_user_id) actors.set(e.actor_user_id, e.actor_subject);
  if (filter.userId && !actors.has(filter.userId)) actors.set(filter.userId, filter.userId);

  return (
    <>
      <PageHeader title="Audit log" subtitle={admin ? "Every change made in the Butler, by anyone" : "The changes you made"} />
      <Card className="mb-4">
        <div className="grid gap-3 sm:grid-cols-4">
          <Field label="Kind" htmlFor="audit-kind">
            <Select id="audit-kind" value={filter.kind ?? ""} onChange={(e) => set({ kind: e.target.value || undefined })}>
              <option value="">Everything</option>
              {KIND_OPTIONS.map(([k, label]) => (
                <option key={k} value={k}>
                  {label}
                </option>
              ))}
            </Select>
          </Field>
          {admin && (
            <Field label="By" htmlFor="audit-actor">
              <Select id="audit-actor" value={filter.userId ?? ""} onChange={(e) => set({ userId: e.target.value || undefined })}>
                <option value="">Everyone</option>
                {[...actors].map(([id, subject]) => (
                  <option key={id} value={id}>
                    {id === me.data?.id ? `${subject} (you)` : subject}
                  </option>
                ))}
              </Select>
            </Field>
          )}
          <Field label="From" htmlFor="audit-from">
            <Input id="audit-from" type="date" value={filter.from ?? ""} onChange={(e) => set({ from: e.target.value || undefined })} />
          </Field>
          <Field label="To" htmlFor="audit-to">
            <Input id="audit-to" type="date" value={filter.to ?? ""} onChange={(e) => set({ to: e.target.value || undefined })} />
          </Field>
        </div>
      </Card>
      <QueryState query={audit} loadingLabel="Loading the audit log…" isEmpty={(d) => d.events.length === 0} empty={<EmptyState title="No changes match">Changes appear here as they are made.</EmptyState>}>
        {(page) => (
          <Card className="p-0!">
            <TableWrap>
              <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-800">
                <thead>
                  <tr>
                    <th className={th}>When</th>
                    <th className={th}>What</th>
                    {admin && <th className={`${th} hidden sm:table-cell`}>By</th>}
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                  {page.events.map((e) => (
                    <tr key={e.id} data-testid="audit-row" data-kind={e.kind}>
                      <td className={`${td} whitespace-nowrap text-xs text-slate-500`}>{formatDateTime(e.occurred_at)}</td>
                      <td className={td} title={`${e.action} · request ${e.request_id}`}>
                        <span data-testid="audit-words">{auditWords(e, nameOf)}</span>
                        {admin && <span className="block text-xs text-slate-500 sm:hidden">by {e.actor_subject}</span>}
                      </td>
                      {admin && <td className={`${td} hidden text-slate-500 sm:table-cell`}>{e.actor_subject}</td>}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
            <div className="flex justify-end gap-2 p-3">
              {(filter.offset ?? 0) > 0 && (
                <Button variant="secondary" onClick={() => setFilter((f) => ({ ...f, offset: Math.max(0, (f.offset ?? 0) - 50) || undefined }))}>
                  Newer
                </Button>
              )}
              {page.next_offset != null && (
                <Button variant="secondary" onClick={() => setFilter((f) => ({ ...f, offset: page.next_offset ?? undefined }))}>
                  Older
                </Button>
              )}
            </div>
          </Card>
        )}
      </QueryState>
    </>
  );
}
