import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { AuditPage } from "@/lib/api/types";

export interface AuditFilter {
  kind?: string;
  userId?: string;
  /** Days, `YYYY-MM-DD` (UTC): from the start of `from` to the end of `to`. */
  from?: string;
  to?: string;
  offset?: number;
}

/** The query string of a filter: days become the API's times (`to` is exclusive, so the next day). */
export function auditQuery(f: AuditFilter): string {
  const p = new URLSearchParams();
  if (f.kind) p.set("kind", f.kind);
  if (f.userId) p.set("user_id", f.userId);
  if (f.from) p.set("from", `${f.from}T00:00:00Z`);
  if (f.to) {
    const next = new Date(`${f.to}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    p.set("to", next.toISOString().replace(".000Z", "Z"));
  }
  if (f.offset) p.set("offset", String(f.offset));
  p.set("limit", "50");
  return p.toString();
}

export const getAudit = (f: AuditFilter) => apiRequest<AuditPage>(`/audit?${auditQuery(f)}`);

export const useAudit = (f: AuditFilter) => useQuery({ queryKey: ["audit", f], queryFn: () => getAudit(f), placeholderData: keepPreviousData });
