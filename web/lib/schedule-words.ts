/**
 * A job's schedule and durations in words: "every hour at :05", "every day at 23:30 UTC",
 * "2 min 0 s". Schedules are the API's six-field cron expressions (seconds first, UTC).
 */

const pad = (n: number) => String(n).padStart(2, "0");

function list(parts: string[]): string {
  return parts.length <= 1 ? (parts[0] ?? "") : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/** Whole numbers of a cron field ("5,20,35"), or null when it is anything else. */
function numbers(field: string): number[] | null {
  if (!/^\d+(,\d+)*$/.test(field)) return null;
  return field.split(",").map(Number);
}

/** The cron expression in words; the expression itself when it is not one of the common shapes. */
export function scheduleWords(cron: string): string {
  const f = cron.trim().split(/\s+/);
  if (f.length !== 6) return cron;
  const [sec, min, hour, dom, mon, dow] = f;
  const everyDay = dom === "*" && mon === "*" && (dow === "*" || dow === "?");
  if (!everyDay || sec !== "0") return cron;
  const step = /^\*\/(\d+)$/.exec(min);
  if (step && hour === "*") return `every ${step[1]} minutes`;
  const mins = numbers(min);
  if (!mins) return cron;
  if (hour === "*") return `every hour at ${list(mins.map((m) => `:${pad(m)}`))}`;
  const hours = numbers(hour);
  if (!hours) return cron;
  const times = hours.flatMap((h) => mins.map((m) => `${pad(h)}:${pad(m)}`));
  return `every day at ${list(times)} UTC`;
}

/** A duration in words: "45 s", "2 min 0 s", "1 h 5 min" (rounded to the second). */
export function durationWords(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Durations a text carries in Rust's debug form ("paused for 119.999890055s") in words ("paused for 2 min 0 s"). */
export function durationsInWords(text: string): string {
  return text.replace(/\b(\d+(?:\.\d+)?)(ms|s)\b/g, (_, n: string, unit: string) => durationWords(unit === "ms" ? Number(n) / 1000 : Number(n)));
}
