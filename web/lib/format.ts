const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 2 });
const usdCompact = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", notation: "compact", maximumSignificantDigits: 3 });

export function toNumber(v: string | number | null | undefined): number {
  if (v === null || v === undefined || v === "") return 0;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
}

export function formatUsd(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === "") return "—";
  return usd.format(toNumber(v));
}

export function formatUsdCompact(v: string | number | null | undefined): string {
  return usdCompact.format(toNumber(v));
}

export function formatPct(v: string | number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || v === "") return "—";
  return `${toNumber(v).toFixed(digits)}%`;
}

export function formatSignedPoints(v: string | number | null | undefined, digits = 1): string {
  const n = toNumber(v);
  const sign = n > 0 ? "+" : n < 0 ? "−" : "±";
  return `${sign}${Math.abs(n).toFixed(digits)} pts`;
}

/** Quantities keep their precision but drop trailing zeros. */
export function formatQuantity(v: string | null | undefined): string {
  if (!v) return "—";
  if (!v.includes(".")) return v;
  const trimmed = v.replace(/0+$/, "").replace(/\.$/, "");
  const [int, frac = ""] = trimmed.split(".");
  return frac.length > 8 ? `${int}.${frac.slice(0, 8)}…` : trimmed;
}

export function formatDateTime(v: string | null | undefined): string {
  if (!v) return "—";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? v : d.toLocaleString();
}

export function formatDate(v: string | null | undefined): string {
  if (!v) return "—";
  const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : v);
  return Number.isNaN(d.getTime()) ? v : d.toLocaleDateString(undefined, { timeZone: v.length === 10 ? "UTC" : undefined });
}

export function timeAgo(v: string | null | undefined, now = Date.now()): string {
  if (!v) return "never";
  const t = new Date(v).getTime();
  if (Number.isNaN(t)) return v;
  const s = Math.round((now - t) / 1000);
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}
