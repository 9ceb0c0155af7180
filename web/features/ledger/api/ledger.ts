import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiDownload, apiRequest } from "@/lib/api/client";
import type {
  CostMethod,
  CostPooling,
  HistoryReport,
  LedgerEntries,
  LedgerEntry,
  LedgerEntryRequest,
  LedgerGains,
  LedgerImportFormat,
  LedgerImportReport,
  LedgerPnl,
  LedgerReconciliation,
  LedgerRevision,
  LedgerSettings,
} from "@/lib/api/types";

export interface EntryFilter {
  account_id?: string;
  kind?: string;
  limit: number;
  offset: number;
}

export const ledgerKeys = {
  all: ["ledger"] as const,
  entries: (f: EntryFilter) => [...ledgerKeys.all, "entries", f] as const,
  history: (id: string) => [...ledgerKeys.all, "history", id] as const,
  settings: () => [...ledgerKeys.all, "settings"] as const,
  gains: (year: number | null) => [...ledgerKeys.all, "gains", year] as const,
  pnl: () => [...ledgerKeys.all, "pnl"] as const,
  reconciliation: () => [...ledgerKeys.all, "reconciliation"] as const,
};

const entryPath = (id: string) => `/ledger/entries/${encodeURIComponent(id)}`;

export const getEntries = (f: EntryFilter) => apiRequest<LedgerEntries>("/ledger/entries", { query: { ...f } });

export const useEntries = (f: EntryFilter) =>
  useQuery(queryOptions({ queryKey: ledgerKeys.entries(f), queryFn: () => getEntries(f), placeholderData: keepPreviousData, staleTime: 0 }));

export const useEntryHistory = (id: string) =>
  useQuery({ queryKey: ledgerKeys.history(id), queryFn: () => apiRequest<LedgerRevision[]>(`${entryPath(id)}/history`), staleTime: 0 });

/** Everything computed from the ledger changes with any entry: refetch it all. */
function useInvalidateLedger() {
  const qc = useQueryClient();
  return () => void qc.invalidateQueries({ queryKey: ledgerKeys.all });
}

export const useCreateEntry = () => {
  const invalidate = useInvalidateLedger();
  return useMutation({
    mutationFn: (body: LedgerEntryRequest) => apiRequest<LedgerEntries>("/ledger/entries", { method: "POST", body }),
    meta: { success: (r: LedgerEntries) => (r.entries.length > 1 ? "Transfer added (both halves)" : "Entry added"), inline: true },
    onSuccess: invalidate,
  });
};

export const useUpdateEntry = () => {
  const invalidate = useInvalidateLedger();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: LedgerEntryRequest }) => apiRequest<LedgerEntry>(entryPath(id), { method: "PUT", body }),
    meta: { success: "Entry saved", inline: true },
    onSuccess: invalidate,
  });
};

export const useDeleteEntry = () => {
  const invalidate = useInvalidateLedger();
  return useMutation({
    mutationFn: (id: string) => apiRequest<void>(entryPath(id), { method: "DELETE" }),
    meta: { success: "Entry deleted", error: "Could not delete the entry" },
    onSuccess: invalidate,
  });
};

export interface ImportArgs {
  accountId: string;
  format: LedgerImportFormat;
  csv: string;
  commit: boolean;
}

export const importCsv = ({ accountId, format, csv, commit }: ImportArgs) =>
  apiRequest<LedgerImportReport>("/ledger/import", {
    method: "POST",
    query: { account_id: accountId, format, commit },
    raw: { body: csv, contentType: "text/csv" },
  });

export const usePreviewImport = () => useMutation({ mutationFn: (a: Omit<ImportArgs, "commit">) => importCsv({ ...a, commit: false }), meta: { inline: true } });

export const useCommitImport = () => {
  const invalidate = useInvalidateLedger();
  return useMutation({
    mutationFn: (a: Omit<ImportArgs, "commit">) => importCsv({ ...a, commit: true }),
    meta: { success: (r: LedgerImportReport) => `Imported ${r.added} ${r.added === 1 ? "entry" : "entries"}`, inline: true },
    onSuccess: invalidate,
  });
};

export const useLedgerSettings = () =>
  useQuery({ queryKey: ledgerKeys.settings(), queryFn: () => apiRequest<LedgerSettings>("/ledger/settings") });

export const useSaveLedgerSettings = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { method: CostMethod; pooling: CostPooling }) => apiRequest<LedgerSettings>("/ledger/settings", { method: "PUT", body }),
    meta: { success: "Cost-basis setting saved", error: "Could not save the setting" },
    onSuccess: (s) => {
      qc.setQueryData(ledgerKeys.settings(), s);
      void qc.invalidateQueries({ queryKey: ledgerKeys.all });
    },
  });
};

// The figures are computed from the ledger and the accounts' last sync (which other pages
// change): read afresh whenever shown.
export const useGains = (year: number | null) =>
  useQuery({ queryKey: ledgerKeys.gains(year), queryFn: () => apiRequest<LedgerGains>("/ledger/gains", { query: { year } }), staleTime: 0, placeholderData: keepPreviousData });

export const usePnl = () => useQuery({ queryKey: ledgerKeys.pnl(), queryFn: () => apiRequest<LedgerPnl>("/ledger/pnl"), staleTime: 0 });

export const useReconciliation = () =>
  useQuery({ queryKey: ledgerKeys.reconciliation(), queryFn: () => apiRequest<LedgerReconciliation>("/ledger/reconciliation"), staleTime: 0 });

export type ReportKind = "tax" | "income";

export const downloadReport = (kind: ReportKind, year: number) =>
  apiDownload(kind === "tax" ? "/ledger/tax-report.csv" : "/ledger/income-report.csv", {
    query: { year },
    fallbackName: kind === "tax" ? `capital-gains-${year}.csv` : `income-${year}.csv`,
  });

/** Reads an exchange account's history (deposits, withdrawals, trades, converts, rewards) into the ledger, from where the last read stopped. */
export const useSyncHistory = () => {
  const invalidate = useInvalidateLedger();
  return useMutation({
    mutationFn: (accountId: string) => apiRequest<HistoryReport>(`/accounts/${encodeURIComponent(accountId)}/history/sync`, { method: "POST" }),
    meta: { error: "Could not read the exchange's history", inline: true },
    onSuccess: invalidate,
  });
};
