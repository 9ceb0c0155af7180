"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { EmptyState, ErrorAlert, Loading } from "@/components/states";
import { Badge, Button, Card, Field, PageHeader, Select, TableWrap, td, th } from "@/components/ui";
import { useAccounts } from "@/lib/api/get-accounts";
import type { Account, LedgerEntry, LedgerRevision } from "@/lib/api/types";
import { formatDateTime, formatQuantity, formatUsd } from "@/lib/format";
import { useDeleteEntry, useEntries, useEntryHistory } from "../api/ledger";
import { FORM_KINDS, sideText, sourceLabel } from "../entry-form";
import { EntryForm } from "./EntryForm";
import { ExchangeHistory } from "./ExchangeHistory";
import { ImportCsv } from "./ImportCsv";
import { LedgerNav } from "./LedgerNav";

const PAGE = 25;
const q = (v: string) => formatQuantity(v);

type Side = { quantity: string; symbol: string } | null | undefined;
interface Before {
  kind?: string;
  occurred_at?: string;
  sent?: Side;
  received?: Side;
  fee?: Side;
  value_usd?: string | null;
  note?: string | null;
}

function revisionText(r: LedgerRevision): string {
  const b = r.before as Before | null | undefined;
  if (!b) return "";
  const parts = [
    b.kind,
    b.occurred_at ? formatDateTime(b.occurred_at) : null,
    b.sent ? `sent ${sideText(b.sent, q)}` : null,
    b.received ? `received ${sideText(b.received, q)}` : null,
    b.fee ? `fee ${sideText(b.fee, q)}` : null,
    b.value_usd ? `value ${formatUsd(b.value_usd)}` : null,
    b.note ? `“${b.note}”` : null,
  ];
  return parts.filter(Boolean).join(", ");
}

function EntryHistory({ id }: { id: string }) {
  const history = useEntryHistory(id);
  return (
    <div className="mt-4 border-t border-slate-200 pt-3 dark:border-slate-700" data-testid="entry-history">
      <p className="text-sm font-semibold">History</p>
      {history.isPending && <p className="text-sm text-slate-500">Loading…</p>}
      {history.error && <p className="text-sm text-rose-600">The history could not be loaded.</p>}
      <ul className="mt-1 space-y-1 text-sm">
        {history.data?.map((r, i) => (
          <li key={`${r.at}-${i}`} className="break-words">
            <span className="tabular text-slate-500">{formatDateTime(r.at)}</span> <span className="font-medium">{r.action}</span>
            {r.before && <span className="text-slate-600 dark:text-slate-400"> — before: {revisionText(r)}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}

function kindText(e: LedgerEntry): string {
  if (e.kind === "income" && e.income_kind) return `income (${e.income_kind})`;
  return e.kind;
}

function EntriesTable({ entries, accountName, onEdit, onDelete }: { entries: LedgerEntry[]; accountName: (id: string) => string; onEdit: (e: LedgerEntry) => void; onDelete: (e: LedgerEntry) => void }) {
  return (
    <TableWrap>
      <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-700" data-testid="ledger-entries">
        <thead>
          <tr>
            <th className={th}>Date</th>
            <th className={th}>Account</th>
            <th className={th}>Kind</th>
            <th className={th}>Sent</th>
            <th className={th}>Received</th>
            <th className={th}>Fee</th>
            <th className={th} title="The dollar value given for the entry (blank when none was given)">
              Value
            </th>
            <th className={th}>Source</th>
            {/* Named without an sr-only span: an absolutely placed span escapes the table's scroll box and widens the page on a phone. */}
            <th className={th} aria-label="Actions" />
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {entries.map((e) => (
            <tr key={e.id} data-testid="ledger-entry" data-entry={e.id}>
              <td className={`${td} whitespace-nowrap tabular`}>{formatDateTime(e.occurred_at)}</td>
              <td className={td}>{accountName(e.account_id)}</td>
              <td className={td}>
                {kindText(e)} {e.transfer_id && <Badge tone="blue">transfer</Badge>}
              </td>
              <td className={`${td} whitespace-nowrap tabular`}>{sideText(e.sent, q)}</td>
              <td className={`${td} whitespace-nowrap tabular`}>{sideText(e.received, q)}</td>
              <td className={`${td} whitespace-nowrap tabular`}>{sideText(e.fee, q)}</td>
              <td className={`${td} whitespace-nowrap tabular`}>{e.value_usd ? formatUsd(e.value_usd) : ""}</td>
              <td className={`${td} whitespace-nowrap`}>{sourceLabel(e.source)}</td>
              <td className={`${td} whitespace-nowrap text-right`}>
                <Button variant="ghost" className="px-2 py-1" onClick={() => onEdit(e)} aria-label={`Edit the ${e.kind} of ${formatDateTime(e.occurred_at)}`}>
                  Edit
                </Button>
                <Button variant="ghost" className="px-2 py-1 text-rose-700 dark:text-rose-400" onClick={() => onDelete(e)} aria-label={`Delete the ${e.kind} of ${formatDateTime(e.occurred_at)}`}>
                  Delete
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Entries({ accounts }: { accounts: Account[] }) {
  const [accountId, setAccountId] = useState("");
  const [kind, setKind] = useState("");
  const [offset, setOffset] = useState(0);
  const [editing, setEditing] = useState<LedgerEntry | null>(null);
  const [deleting, setDeleting] = useState<LedgerEntry | null>(null);
  const entries = useEntries({ account_id: accountId || undefined, kind: kind || undefined, limit: PAGE, offset });
  const del = useDeleteEntry();
  const names = new Map(accounts.map((a) => [a.id, a.name]));
  const accountName = (id: string) => names.get(id) ?? "—";
  const total = entries.data?.total ?? 0;
  const shown = entries.data?.entries.length;
  // The edit form opens above the table: bring it into view.
  useEffect(() => {
    if (editing) document.getElementById("ledger-edit")?.scrollIntoView?.({ block: "start", behavior: "smooth" });
  }, [editing]);
  // The last entry of the last page deleted: go back a page rather than show an empty one.
  useEffect(() => {
    if (shown === 0 && offset > 0 && !entries.isPlaceholderData) setOffset((o) => Math.max(0, o - PAGE));
  }, [shown, offset, entries.isPlaceholderData]);

  return (
    <>
      {editing && (
        <div id="ledger-edit" className="scroll-mt-20">
          <Card title="Edit the entry" className="mb-6">
            <EntryForm key={editing.id} accounts={accounts} entry={editing} onDone={() => setEditing(null)} />
            <EntryHistory id={editing.id} />
          </Card>
        </div>
      )}
      <Card title="Entries">
        <div className="mb-4 grid gap-3 sm:grid-cols-3">
          <Field label="Account" htmlFor="filter-account">
            <Select
              id="filter-account"
              value={accountId}
              onChange={(e) => {
                setAccountId(e.target.value);
                setOffset(0);
              }}
            >
              <option value="">All accounts</option>
              {accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Kind" htmlFor="filter-kind" hint="A transfer shows as its withdrawal and its deposit.">
            <Select
              id="filter-kind"
              value={kind}
              onChange={(e) => {
                setKind(e.target.value);
                setOffset(0);
              }}
            >
              <option value="">All kinds</option>
              {FORM_KINDS.filter((k) => k.value !== "transfer").map((k) => (
                <option key={k.value} value={k.value}>
                  {k.label}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        {entries.isPending ? (
          <Loading label="Loading entries…" />
        ) : entries.error ? (
          <ErrorAlert error={entries.error} onRetry={() => entries.refetch()} />
        ) : total === 0 ? (
          <EmptyState title={accountId || kind ? "No entry matches these filters" : "No entries yet"}>Add one by hand or import a CSV file.</EmptyState>
        ) : (
          <>
            <EntriesTable entries={entries.data.entries} accountName={accountName} onEdit={(e) => setEditing(e)} onDelete={(e) => setDeleting(e)} />
            <nav aria-label="Pages of entries" className="mt-3 flex flex-wrap items-center justify-between gap-2 text-sm">
              <span data-testid="ledger-range">
                {offset + 1}–{Math.min(offset + PAGE, total)} of {total}
              </span>
              <div className="flex gap-2">
                <Button variant="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                  Previous
                </Button>
                <Button variant="secondary" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
                  Next
                </Button>
              </div>
            </nav>
          </>
        )}
      </Card>
      <ConfirmDialog
        open={!!deleting}
        title="Delete this entry?"
        confirmLabel="Delete entry"
        busy={del.isPending}
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (!deleting) return;
          del.mutate(deleting.id, {
            onSuccess: () => {
              if (editing?.id === deleting.id) setEditing(null);
              setDeleting(null);
            },
          });
        }}
      >
        {deleting && (
          <p>
            The {deleting.kind} of {formatDateTime(deleting.occurred_at)} in {accountName(deleting.account_id)}
            {deleting.transfer_id ? " is half of a transfer: both halves are deleted." : " is deleted."} Its history is kept, and gains are computed again without it.
          </p>
        )}
      </ConfirmDialog>
    </>
  );
}

/** The ledger: every entry, filtered and paged; add one by hand, import a file, edit or delete. */
export function LedgerView() {
  const accounts = useAccounts();
  const [panel, setPanel] = useState<"add" | "import" | "exchange" | null>(null);
  const toggle = (p: "add" | "import" | "exchange") => setPanel((cur) => (cur === p ? null : p));

  return (
    <div>
      <PageHeader
        title="Ledger"
        subtitle="Every trade, deposit, withdrawal, income, spend and fee: what gains, income and the tax report are computed from."
        actions={
          <>
            <Button variant={panel === "add" ? "primary" : "secondary"} aria-expanded={panel === "add"} onClick={() => toggle("add")}>
              Add an entry
            </Button>
            <Button variant={panel === "import" ? "primary" : "secondary"} aria-expanded={panel === "import"} onClick={() => toggle("import")}>
              Import a CSV
            </Button>
            <Button variant={panel === "exchange" ? "primary" : "secondary"} aria-expanded={panel === "exchange"} onClick={() => toggle("exchange")}>
              Import from an exchange
            </Button>
          </>
        }
      />
      <LedgerNav />
      {accounts.isPending ? (
        <Loading />
      ) : accounts.error ? (
        <ErrorAlert error={accounts.error} onRetry={() => accounts.refetch()} />
      ) : accounts.data.length === 0 ? (
        <EmptyState title="No account yet" action={<Link href="/accounts" className="text-indigo-600 hover:underline">Add an account</Link>}>
          Entries belong to an account: add one first (a manual account works for anything).
        </EmptyState>
      ) : (
        <>
          {panel === "add" && (
            <Card title="Add an entry" className="mb-6">
              <EntryForm accounts={accounts.data} />
            </Card>
          )}
          {panel === "import" && (
            <Card title="Import a CSV" className="mb-6">
              <ImportCsv accounts={accounts.data} />
            </Card>
          )}
          {panel === "exchange" && (
            <Card title="Import from an exchange" className="mb-6">
              <ExchangeHistory accounts={accounts.data} />
            </Card>
          )}
          <Entries accounts={accounts.data} />
        </>
      )}
    </div>
  );
}
