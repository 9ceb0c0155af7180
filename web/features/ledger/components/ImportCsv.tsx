"use client";

import { useRef, useState } from "react";
import { Badge, Button, Field, Select, TableWrap, td, th } from "@/components/ui";
import { plainMessage } from "@/lib/api/messages";
import type { Account, LedgerImportFormat, LedgerImportLine, LedgerImportReport } from "@/lib/api/types";
import { formatDateTime, formatQuantity, formatUsd } from "@/lib/format";
import { useCommitImport, usePreviewImport } from "../api/ledger";
import { sideText } from "../entry-form";
import { importButtonLabel, importVerdict } from "../figures";

const FORMATS: { value: LedgerImportFormat; label: string; hint: string }[] = [
  {
    value: "generic",
    label: "Generic CSV",
    hint: "Columns: date, kind, sent_quantity, sent_asset, received_quantity, received_asset, fee_quantity, fee_asset, value_usd, fee_value_usd, income_kind, note.",
  },
  { value: "koinly", label: "Koinly universal", hint: "Koinly's universal CSV (Date, Sent Amount, Sent Currency, Received Amount, …)." },
  { value: "binance", label: "Binance transaction history", hint: "Binance's transaction-history export (UTC_Time, Operation, Coin, Change, …)." },
];

/** A chosen file's text (FileReader where `Blob.text` is missing, as in older browsers). */
function readText(file: File): Promise<string> {
  if (typeof file.text === "function") return file.text();
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result ?? ""));
    r.onerror = () => reject(r.error);
    r.readAsText(file);
  });
}

function Lines({ lines }: { lines: number[] }) {
  return <span className="tabular">{lines.length === 1 ? `line ${lines[0]}` : `lines ${lines.join(", ")}`}</span>;
}

function EntryLines({ rows, testId }: { rows: LedgerImportLine[]; testId: string }) {
  const q = (v: string) => formatQuantity(v);
  return (
    <TableWrap>
      <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-700" data-testid={testId}>
        <thead>
          <tr>
            <th className={th}>Line</th>
            <th className={th}>Date</th>
            <th className={th}>Kind</th>
            <th className={th}>Sent</th>
            <th className={th}>Received</th>
            <th className={th}>Fee</th>
            <th className={th}>Value (USD)</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {rows.map((r) => (
            <tr key={r.external_id}>
              <td className={td}>
                <Lines lines={r.lines} />
              </td>
              <td className={`${td} whitespace-nowrap`}>{formatDateTime(r.occurred_at)}</td>
              <td className={td}>{r.kind === "income" && r.income_kind ? `income (${r.income_kind})` : r.kind}</td>
              <td className={`${td} tabular whitespace-nowrap`}>{sideText(r.sent, q)}</td>
              <td className={`${td} tabular whitespace-nowrap`}>{sideText(r.received, q)}</td>
              <td className={`${td} tabular whitespace-nowrap`}>{sideText(r.fee, q)}</td>
              <td className={`${td} tabular whitespace-nowrap`}>{r.value_usd ? formatUsd(r.value_usd) : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Preview({ report }: { report: LedgerImportReport }) {
  return (
    <div className="space-y-4" data-testid="import-preview">
      <div className="flex flex-wrap gap-2 text-sm">
        <Badge tone="green" testId="import-count-add">{report.to_add.length} to add</Badge>
        <Badge tone="slate" testId="import-count-duplicates">{report.duplicates.length} already in the ledger</Badge>
        <Badge tone={report.errors.length ? "red" : "slate"} testId="import-count-errors">
          {report.errors.length} with an error
        </Badge>
        <Badge tone="slate" testId="import-count-skipped">{report.skipped.length} skipped</Badge>
      </div>
      {report.errors.length > 0 && (
        <div className="rounded-md border border-rose-200 bg-rose-50 p-3 dark:border-rose-800 dark:bg-rose-950/40">
          <p className="text-sm font-semibold text-rose-900 dark:text-rose-200">Lines that cannot be read</p>
          <ul className="mt-1 space-y-1 text-sm text-rose-900 dark:text-rose-200" data-testid="import-errors">
            {report.errors.map((e) => (
              <li key={`${e.line}-${e.reason}`} className="break-words">
                <span className="font-medium">Line {e.line}:</span> {e.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
      {report.to_add.length > 0 && (
        <div>
          <p className="mb-1 text-sm font-semibold">Will be added</p>
          <EntryLines rows={report.to_add} testId="import-to-add" />
        </div>
      )}
      {report.duplicates.length > 0 && (
        <details>
          <summary className="cursor-pointer text-sm font-semibold">Already in the ledger ({report.duplicates.length}): not added again</summary>
          <EntryLines rows={report.duplicates} testId="import-duplicates" />
        </details>
      )}
      {report.skipped.length > 0 && (
        <div>
          <p className="text-sm font-semibold">Skipped on purpose</p>
          <ul className="mt-1 space-y-1 text-sm text-slate-600 dark:text-slate-400" data-testid="import-skipped">
            {report.skipped.map((s) => (
              <li key={`${s.line}-${s.reason}`} className="break-words">
                <span className="font-medium">Line {s.line}:</span> {s.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/** Imports a CSV file into one account: a preview first (line by line), then the import itself. */
export function ImportCsv({ accounts, onImported }: { accounts: Account[]; onImported?: () => void }) {
  const preview = usePreviewImport();
  const commit = useCommitImport();
  const [accountId, setAccountId] = useState(accounts[0]?.id ?? "");
  const [format, setFormat] = useState<LedgerImportFormat>("generic");
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const run = (a: string, f: LedgerImportFormat, text: string) => {
    commit.reset();
    preview.mutate({ accountId: a, format: f, csv: text });
  };

  const pick = async (chosen: File | undefined) => {
    setReadError(null);
    preview.reset();
    commit.reset();
    if (!chosen) {
      setFile(null);
      return;
    }
    try {
      const text = await readText(chosen);
      setFile({ name: chosen.name, text });
      // Cleared so that choosing the same file again, once fixed, reads it again.
      if (fileInput.current) fileInput.current.value = "";
      if (accountId) run(accountId, format, text);
    } catch (_e) {
      setReadError("The file could not be read.");
    }
  };

  const report = preview.data;
  const verdict = report ? importVerdict(report) : null;
  const doImport = () => {
    if (!file) return;
    commit.mutate(
      { accountId, format, csv: file.text },
      {
        onSuccess: () => {
          preview.reset();
          setFile(null);
          if (fileInput.current) fileInput.current.value = "";
          onImported?.();
        },
      },
    );
  };

  return (
    <div className="space-y-4">
      <div className="grid gap-3 sm:grid-cols-3">
        <Field label="Into account" htmlFor="import-account">
          <Select
            id="import-account"
            value={accountId}
            onChange={(e) => {
              setAccountId(e.target.value);
              if (file) run(e.target.value, format, file.text);
            }}
          >
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Format" htmlFor="import-format" hint={FORMATS.find((f) => f.value === format)?.hint}>
          <Select
            id="import-format"
            value={format}
            onChange={(e) => {
              const f = e.target.value as LedgerImportFormat;
              setFormat(f);
              if (file) run(accountId, f, file.text);
            }}
          >
            {FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="CSV file" htmlFor="import-file" hint="Nothing is stored until you import it." error={readError ?? undefined}>
          <input
            ref={fileInput}
            id="import-file"
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => void pick(e.target.files?.[0])}
            className="block w-full min-w-0 text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-2 file:text-sm file:font-medium dark:text-slate-300 dark:file:bg-slate-800"
          />
        </Field>
      </div>
      {file && (
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="import-file-name">
          {preview.isPending ? `Reading ${file.name}…` : `File: ${file.name}`}
        </p>
      )}
      {preview.error && (
        <p role="alert" className="text-sm font-medium text-rose-600 dark:text-rose-400" data-testid="import-refused">
          {plainMessage(preview.error)}
        </p>
      )}
      {report && file && <Preview report={report} />}
      {report && file && verdict && (
        <div className="space-y-2">
          <Button onClick={doImport} disabled={!verdict.allowed} busy={commit.isPending} aria-describedby={verdict.why ? "import-why" : undefined}>
            {importButtonLabel(verdict.count)}
          </Button>
          {verdict.why && (
            <p id="import-why" className="text-sm text-slate-600 dark:text-slate-400" data-testid="import-why">
              {verdict.why}
            </p>
          )}
        </div>
      )}
      {commit.error && (
        <p role="alert" className="text-sm font-medium text-rose-600 dark:text-rose-400">
          {plainMessage(commit.error)}
        </p>
      )}
      {commit.data && (
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400" data-testid="import-done">
          Imported {commit.data.added} {commit.data.added === 1 ? "entry" : "entries"}
          {commit.data.duplicates.length > 0 ? `; ${commit.data.duplicates.length} already in the ledger were left as they were` : ""}.
        </p>
      )}
    </div>
  );
}
