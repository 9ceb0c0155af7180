/** Dates and ages (no decimals here, so pages that show only times do not load big.js). */

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

/** Seconds from `v` until `now` (null when `v` is missing or not a time). */
export function ageSeconds(v: string | null | undefined, now = Date.now()): number | null {
  if (!v) return null;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? null : (now - t) / 1000;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"} ago`;

export function timeAgo(v: string | null | undefined, now = Date.now()): string {
  if (!v) return "never";
  const age = ageSeconds(v, now);
  if (age === null) return v;
  const s = Math.round(age);
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const days = Math.round(h / 24);
  if (days < 14) return plural(days, "day");
  if (days < 60) return plural(Math.round(days / 7), "week");
  return plural(Math.round(days / 30), "month");
}
