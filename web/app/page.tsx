import Link from "next/link";
import { Logo } from "@/components/Logo";
import { ACCOUNT_KINDS_TEXT } from "@/lib/account-kinds";
import { auth } from "@/lib/auth/auth";
import { getAuthMode } from "@/lib/auth/mode";

export const dynamic = "force-dynamic";

const features = [
  ["All your holdings", `${ACCOUNT_KINDS_TEXT.charAt(0).toUpperCase()}${ACCOUNT_KINDS_TEXT.slice(1)}, priced in USD.`],
  ["Targets and drift", "Set a target allocation, including cash, and see which assets drift out of their band."],
  ["Rebalancing ideas", "Recommendations within your guardrails: minimum trade size, turnover cap, never-sell list."],
  ["History", "Daily snapshots and a value chart, exportable as CSV."],
];

export default async function HomePage() {
  const local = (await getAuthMode()) === "local";
  const session = local ? null : await auth();
  const signedIn = local || Boolean(session?.user && !session.error);
  return (
    <main className="min-h-screen bg-gradient-to-b from-indigo-50 to-white dark:from-slate-900 dark:to-slate-950">
      <div className="mx-auto max-w-4xl px-4 py-16 sm:py-24">
        <div className="flex items-center gap-3">
          <Logo className="h-12 w-12" />
          <h1 className="text-3xl font-bold sm:text-4xl">Crypto Pocket Butler</h1>
        </div>
        <p className="mt-4 max-w-2xl text-lg text-slate-700 dark:text-slate-300">
          A self-hosted portfolio manager for your exchange accounts and wallets: one total, one allocation, and what to trade to get back on target.
        </p>
        <div className="mt-8 flex flex-wrap gap-3">
          <Link
            href={signedIn ? "/dashboard" : "/auth/signin?callbackUrl=%2Fdashboard"}
            className="rounded-md bg-indigo-600 px-5 py-2.5 font-medium text-white hover:bg-indigo-500"
          >
            {signedIn ? "Open dashboard" : "Sign in"}
          </Link>
          {local && <span className="self-center text-sm text-slate-600 dark:text-slate-400">Local single-user mode: no sign-in needed.</span>}
        </div>
        <ul className="mt-12 grid gap-4 sm:grid-cols-2">
          {features.map(([title, text]) => (
            <li key={title} className="rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
              <h2 className="font-semibold">{title}</h2>
              <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{text}</p>
            </li>
          ))}
        </ul>
      </div>
    </main>
  );
}
