"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx } from "@/components/ui";

export function PortfolioNav({ id }: { id: string }) {
  const pathname = usePathname();
  const base = `/portfolios/${id}`;
  const tabs = [
    { href: base, label: "Allocation" },
    { href: `${base}/settings`, label: "Settings" },
    { href: `${base}/snapshots`, label: "Snapshots" },
    { href: `${base}/recommendations`, label: "Recommendations" },
  ];
  return (
    <nav aria-label="Portfolio" className="-mx-4 mb-6 overflow-x-auto border-b border-slate-200 px-4 dark:border-slate-800">
      <ul className="flex gap-1">
        {tabs.map((t) => {
          const active = pathname === t.href;
          return (
            <li key={t.href}>
              <Link
                href={t.href}
                aria-current={active ? "page" : undefined}
                className={cx(
                  "block whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium",
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
