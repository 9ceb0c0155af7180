/** Outcomes of test sends and delivery attempts in plain words, and the history's order. */
import type { AlertDelivery, AlertHistoryItem, AlertTestResult } from "@/lib/api/types";

/** What a "Send a test" did, as the row says it. */
export function testOutcome(r: Pick<AlertTestResult, "delivered" | "http_status" | "error">): string {
  if (r.delivered) return r.http_status ? `Delivered: the receiver answered HTTP ${r.http_status}.` : "Delivered.";
  const why = [r.http_status ? `the receiver answered HTTP ${r.http_status}` : null, r.error].filter(Boolean).join("; ");
  return why ? `Not delivered: ${why}.`.replace(/\.\.$/, ".") : "Not delivered (no reason was given).";
}

/** One attempt's outcome: its status, with the HTTP code or the error. */
export function deliveryOutcome(d: Pick<AlertDelivery, "status" | "http_status" | "error">): string {
  const detail = [d.http_status ? `HTTP ${d.http_status}` : null, d.error].filter(Boolean).join(", ");
  if (d.status === "skipped") return `skipped${detail ? `: ${detail}` : " (the channel is failing)"}`;
  return detail ? `${d.status} (${detail})` : d.status;
}

export function alertStateLabel(state: string): string {
  return state === "triggered" ? "Triggered" : state === "cleared" ? "Cleared" : state === "test" ? "Test" : state;
}

/** Alerts newest first, each with its attempts in the order they were made. */
export function historyInOrder(items: AlertHistoryItem[]): AlertHistoryItem[] {
  const t = (s: string) => new Date(s).getTime() || 0;
  return [...items]
    .sort((a, b) => t(b.created_at) - t(a.created_at))
    .map((a) => ({ ...a, deliveries: [...a.deliveries].sort((x, y) => t(x.at) - t(y.at) || x.attempt - y.attempt) }));
}
