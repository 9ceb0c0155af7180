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
    { href: `${base}/recommendations`, label: "Recommendations", short: "Trades" },
  ];
  return (
    <nav aria-label="Portfolio" className="mb-6 border-b border-slate-200 dark:border-slate-800">
      {/* Four equal tabs on a phone (nothing cut off or hidden behind a scroll), natural widths from sm up. */}
      <ul className="grid grid-cols-4 sm:flex sm:gap-1">
        {tabs.map((t) => {
          const active = pathname === t.href;
          return (
            <li key={t.href}>
              <Link
                href={t.href}
                aria-current={active ? "page" : undefined}
                className={cx(
                  "block truncate border-b-2 px-1 py-2 text-center text-xs font-medium sm:px-3 sm:text-left sm:text-sm",
                  active ? "border-indigo-600 text-indigo-700 dark:text-indigo-300" : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100",
                )}
              >
                {"short" in t ? (
                  <>
                    <span className="sm:hidden" aria-hidden>
                      {t.short}
                    </span>
                    <span className="sr-only sm:not-sr-only">{t.label}</span>
                  </>
                ) : (
                  t.label
                )}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
