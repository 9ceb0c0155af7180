"use client";

import { useSyncExternalStore } from "react";
import { currentToasts, dismissToast, subscribeToasts, type Toast } from "@/lib/toast";
import { cx } from "./ui";

const empty: Toast[] = [];
const tone = {
  success: "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-700 dark:bg-emerald-950 dark:text-emerald-100",
  error: "border-rose-300 bg-rose-50 text-rose-900 dark:border-rose-700 dark:bg-rose-950 dark:text-rose-100",
  warning: "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100",
  info: "border-sky-300 bg-sky-50 text-sky-900 dark:border-sky-700 dark:bg-sky-950 dark:text-sky-100",
};

export function Toaster() {
  const toasts = useSyncExternalStore(subscribeToasts, currentToasts, () => empty);
  return (
    <div aria-live="polite" className="pointer-events-none fixed inset-x-0 top-14 z-50 flex flex-col items-center gap-2 p-4 sm:top-auto sm:bottom-0 sm:items-start">
      {toasts.map((t) => (
        <div
          key={t.id}
          role={t.kind === "error" || t.kind === "warning" ? "alert" : "status"}
          data-testid={`toast-${t.kind}`}
          className={cx("pointer-events-auto flex w-full max-w-sm items-start gap-3 rounded-md border px-4 py-3 text-sm shadow-lg", tone[t.kind])}
        >
          <span className="flex-1 break-words">{t.message}</span>
          <button type="button" aria-label="Dismiss" className="opacity-60 hover:opacity-100" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
