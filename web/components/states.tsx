import Link from "next/link";
import type { ReactNode } from "react";
import { ApiError } from "@/lib/api/client";
import { plainMessage } from "@/lib/api/messages";
import { Button, Spinner } from "./ui";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div role="status" aria-live="polite" className="flex items-center gap-3 py-10 text-slate-500 dark:text-slate-400 justify-center">
      <Spinner />
      <span>{label}</span>
    </div>
  );
}

/** Where a page whose thing is missing leads back to: "Back to accounts". */
export interface BackLink {
  href: string;
  label: string;
}

/**
 * An error in words. A thing that does not exist (404, or an id that cannot be one) offers a
 * way back, since trying again cannot help; other errors offer to try again.
 */
export function ErrorAlert({ error, onRetry, title = "Something went wrong", back }: { error: unknown; onRetry?: () => void; title?: string; back?: BackLink }) {
  const forbidden = error instanceof ApiError && error.status === 403;
  const missing = error instanceof ApiError && (error.status === 404 || (error.status === 400 && back !== undefined));
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  if (missing) {
    const to = back ?? { href: "/dashboard", label: "Go to the dashboard" };
    return (
      <div role="alert" data-testid="not-found" className="rounded-lg border border-slate-200 bg-slate-50 p-4 text-slate-800 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200">
        <p className="font-semibold">Not found</p>
        <p className="mt-1 text-sm">It may have been deleted, or the link is wrong.</p>
        <Link href={to.href} className="mt-3 inline-block text-sm font-medium text-indigo-700 hover:underline dark:text-indigo-400">
          ← {to.label}
        </Link>
      </div>
    );
  }
  return (
    <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 p-4 text-rose-900 dark:border-rose-800 dark:bg-rose-950/50 dark:text-rose-200">
      <p className="font-semibold">{forbidden ? "You don't have access to this page" : title}</p>
      <p className="mt-1 text-sm">{plainMessage(error)}</p>
      {requestId && <p className="mt-1 text-xs opacity-70">Request id: {requestId}</p>}
      {onRetry && !forbidden && (
        <Button variant="secondary" className="mt-3" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 p-8 text-center dark:border-slate-700">
      <p className="font-semibold text-slate-800 dark:text-slate-200">{title}</p>
      {children && <div className="mt-1 text-sm text-slate-600 dark:text-slate-400">{children}</div>}
      {action && <div className="mt-4 flex justify-center">{action}</div>}
    </div>
  );
}

/** Renders the loading, error or empty state of a query, or its data. */
export function QueryState<T>({
  query,
  empty,
  isEmpty,
  loadingLabel,
  back,
  children,
}: {
  query: { data: T | undefined; error: unknown; isPending: boolean; refetch: () => unknown };
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  loadingLabel?: string;
  /** Where to go when the thing is not found. */
  back?: BackLink;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading label={loadingLabel} />;
  if (query.error || query.data === undefined) return <ErrorAlert error={query.error} onRetry={() => query.refetch()} back={back} />;
  if (empty && isEmpty?.(query.data)) return <>{empty}</>;
  return <>{children(query.data)}</>;
}
