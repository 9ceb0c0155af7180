"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState, type ReactNode } from "react";
import { useMe } from "@/lib/api/get-me";
import { Logo } from "./Logo";
import { cx } from "./ui";

const links = [
  { href: "/dashboard", label: "Dashboard" },
  { href: "/accounts", label: "Accounts" },
  { href: "/portfolios", label: "Portfolios" },
  { href: "/ledger", label: "Ledger" },
  { href: "/performance", label: "Performance" },
  { href: "/alerts", label: "Alerts" },
];

function NavLink({ href, label, active, onClick }: { href: string; label: string; active: boolean; onClick?: () => void }) {
  return (
    <Link
      href={href}
      onClick={onClick}
      aria-current={active ? "page" : undefined}
      className={cx(
        "block rounded-md px-3 py-2 text-sm font-medium",
        active
          ? "bg-indigo-50 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300"
          : "text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800",
      )}
    >
      {label}
    </Link>
  );
}

/** The signed-in frame: header, navigation, then `banners` (app-wide notices the route layout composes from features) above the page. */
export function AppShell({ banners, children }: { banners?: ReactNode; children: ReactNode }) {
  const pathname = usePathname() ?? "";
  const me = useMe();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [pathname]);

  const items = [...links, ...(me.data?.is_admin ? [{ href: "/admin", label: "Admin" }] : []), { href: "/audit", label: "Audit log" }, { href: "/settings", label: "Settings" }];
  const isActive = (href: string) => pathname === href || pathname.startsWith(`${href}/`);
  const who = me.data?.username ?? me.data?.email ?? (me.data?.auth_mode === "local" ? "Local owner" : "");

  return (
    <div className="min-h-screen bg-slate-50 dark:bg-slate-950">
      <header className="sticky top-0 z-40 border-b border-slate-200 bg-white/90 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90">
        <div className="mx-auto flex h-14 max-w-6xl items-center gap-4 px-4">
          <Link href="/dashboard" className="flex shrink-0 items-center gap-2 font-bold text-slate-900 dark:text-white">
            <Logo />
            <span className="hidden sm:inline">Pocket Butler</span>
          </Link>
          <nav aria-label="Main" className="hidden flex-1 items-center gap-1 md:flex">
            {items.map((l) => (
              <NavLink key={l.href} {...l} active={isActive(l.href)} />
            ))}
          </nav>
          <div className="ml-auto hidden items-center gap-3 md:flex">
            {who && <span className="max-w-[12rem] truncate text-sm text-slate-600 dark:text-slate-400" data-testid="current-user">{who}</span>}
            {me.data?.auth_mode === "keycloak" && <SignOutButton />}
          </div>
          <button
            type="button"
            className="ml-auto rounded-md p-2 text-slate-700 hover:bg-slate-100 md:hidden dark:text-slate-200 dark:hover:bg-slate-800"
            aria-label={open ? "Close menu" : "Open menu"}
            aria-expanded={open}
            aria-controls="mobile-nav"
            onClick={() => setOpen((o) => !o)}
          >
            <svg className="h-6 w-6" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden>
              {open ? <path d="M6 6l12 12M18 6L6 18" /> : <path d="M4 7h16M4 12h16M4 17h16" />}
            </svg>
          </button>
        </div>
        {open && (
          <nav id="mobile-nav" aria-label="Main" className="border-t border-slate-200 px-4 py-2 md:hidden dark:border-slate-800">
            {items.map((l) => (
              <NavLink key={l.href} {...l} active={isActive(l.href)} onClick={() => setOpen(false)} />
            ))}
            <div className="mt-2 flex items-center justify-between border-t border-slate-200 pt-2 dark:border-slate-800">
              <span className="truncate text-sm text-slate-600 dark:text-slate-400">{who}</span>
              {me.data?.auth_mode === "keycloak" && <SignOutButton />}
            </div>
          </nav>
        )}
      </header>
      <main className="mx-auto max-w-6xl px-4 py-6">
        {banners}
        {children}
      </main>
    </div>
  );
}

function SignOutButton() {
  return (
    <form method="post" action="/auth/signout">
      <button type="submit" className="rounded-md px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800">
        Sign out
      </button>
    </form>
  );
}
