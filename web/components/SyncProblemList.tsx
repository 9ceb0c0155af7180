"use client";

import Link from "next/link";
import { useMe } from "@/lib/api/get-me";
import type { ProblemLine } from "@/lib/sync-problems";
import { problemText } from "@/lib/sync-problems";
import { timeAgo } from "@/lib/time";

/** Where an RPC problem is fixed: the chain's row in Admin → Chains (an admin's), else who can fix it. */
function RpcFix({ chains }: { chains: string[] }) {
  const me = useMe();
  if (chains.length === 0) return null;
  if (!me.data?.is_admin) return <span> · an admin can check the RPC in Admin → Chains</span>;
  return (
    <>
      {" · "}
      <Link href={`/admin/evm-chains#chain-row-${encodeURIComponent(chains[0])}`} className="underline" data-testid="rpc-fix">
        check the RPC in Admin → Chains
      </Link>
    </>
  );
}

/**
 * Sync problems, one line per account and cause, with the places in words, the age of their
 * last good read and where to fix it. `withAccount` names the account first (the dashboard).
 */
export function SyncProblemList({ lines, withAccount = false, className, testId = "sync-error" }: { lines: ProblemLine[]; withAccount?: boolean; className?: string; testId?: string }) {
  if (lines.length === 0) return null;
  return (
    <ul className={className} data-testid={testId}>
      {lines.map((p) => (
        <li key={p.key} data-testid="sync-problem" data-account={p.accountName} data-reason={p.reason}>
          {withAccount && <span className="font-medium">{p.accountName} · </span>}
          {problemText(p)}
          {p.places.length > 0 && <span className="opacity-80"> · {p.lastGoodRead ? `last good read ${timeAgo(p.lastGoodRead)}` : "never read"}</span>}
          <RpcFix chains={p.rpcChains} />
        </li>
      ))}
    </ul>
  );
}
