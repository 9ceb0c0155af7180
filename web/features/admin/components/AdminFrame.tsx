"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { ErrorAlert, Loading } from "@/components/states";
import { PageHeader, cx } from "@/components/ui";
import { useMe } from "@/lib/api/get-me";

const tabs = [
  { href: "/admin", label: "Jobs" },
  { href: "/admin/evm-chains", label: "Chains" },
  { href: "/admin/evm-tokens", label: "EVM tokens" },
];

/** Admin pages: shown only to admins (the API enforces it as well). */
export function AdminFrame({ title, subtitle, children }: { title: string; subtitle?: string; children: ReactNode }) {
  const me = useMe();
  const pathname = usePathname();
  if (me.isPending) return <Loading />;
  if (me.error || !me.data) return <ErrorAlert error={me.error} onRetry={() => me.refetch()} />;
  if (!me.data.is_admin) {
    return (
      <div role="alert" data-testid="admin-forbidden" className="rounded-lg border border-amber-200 bg-amber-50 p-6 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
        <h1 className="text-lg font-semibold">Admins only</h1>
        <p className="mt-1 text-sm">This page needs the admin role. Ask an administrator if you need access.</p>
        <Link href="/dashboard" className="mt-3 inline-block text-sm font-medium underline">
          Back to the dashboard
        </Link>
      </div>
    );
  }
  return (
    <>
      <PageHeader title={title} subtitle={subtitle} />
      <nav aria-label="Admin" className="-mx-4 mb-6 overflow-x-auto border-b border-slate-200 px-4 dark:border-slate-800">
        <ul className="flex gap-1">
          {tabs.map((t) => (
            <li key={t.href}>
              <Link
                href={t.href}
                aria-current={pathname === t.href ? "page" : undefined}
                className={cx(
                  "block whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium",
                  pathname === t.href ? "border-indigo-600 text-indigo-700 dark:text-indigo-300" : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400",
                )}
              >
                {t.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {children}
    </>
  );
}
