"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx } from "@/components/ui";

const TABS = [
  { href: "/ledger", label: "Entries" },
  { href: "/ledger/gains", label: "Gains & P&L" },
];

export function LedgerNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Ledger" className="mb-6 border-b border-slate-200 dark:border-slate-800">
      <ul className="flex gap-1">
        {TABS.map((t) => {
          const active = pathname === t.href;
          return (
            <li key={t.href}>
              <Link
                href={t.href}
                aria-current={active ? "page" : undefined}
                className={cx(
                  "block border-b-2 px-3 py-2 text-sm font-medium",
                  active ? "border-indigo-600 text-indigo-700 dark:text-indigo-300" : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100",
                )}
              >
                {t.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
