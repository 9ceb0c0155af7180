"use client";

import { useEffect, useRef } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Spinner } from "@/components/ui";
import type { MarketStatus } from "@/lib/api/types";
import { durationsInWords } from "@/lib/schedule-words";
import { timeAgo } from "@/lib/time";
import { useMarketStatus } from "../api/get-market-status";

type Brief = MarketStatus["price_job"];

/** Why a market-data download failed, in words: "CoinGecko cannot be reached". */
export function marketFailure(error: string | null | undefined): string {
  const e = error ?? "";
  const who = /coinpaprika/i.test(e) ? "CoinPaprika" : "CoinGecko";
  if (/paused for/i.test(e)) return `${who} paused after repeated failures`;
  if (/did not answer in time|timed? ?out/i.test(e)) return `${who} did not answer in time`;
  if (/cannot be reached|dns|connect|resolve|unreachable|network/i.test(e)) return `${who} cannot be reached`;
  if (/429|rate limit/i.test(e)) return `${who} is rate limiting`;
  const first = durationsInWords(e.split(/: /)[0]).trim();
  return first ? (first.length > 80 ? `${first.slice(0, 77)}…` : first) : "no reason given";
}

/** What the first-run load is doing, in words; after a failed download, when, why and what to do. */
export function firstRunText(s: MarketStatus, now = Date.now()): { busy: boolean; step: string } {
  const cat: Brief = s.catalog_job;
  const price: Brief = s.price_job;
  if (cat?.status === "running") return { busy: true, step: "Step 1 of 2: downloading the list of coins…" };
  if (price?.status === "running") return { busy: true, step: `Step 2 of 2: fetching prices${s.assets ? ` for ${s.assets.toLocaleString("en-US")} coins` : ""}…` };
  const failed = [cat, price].find((j) => j && (j.status === "failed" || j.status === "abandoned"));
  if (failed) {
    const what = failed === cat ? "The list of coins" : "The prices";
    const job = failed === cat ? "fetch-all-coins" : "price-collection";
    const when = failed.finished_at ? ` ${timeAgo(failed.finished_at, now)}` : "";
    return {
      busy: false,
      step: `${what} could not be downloaded${when}: ${marketFailure(failed.error)} (no network connection?). Check that this machine can reach the internet; the download is retried on schedule, and an admin can start it now under Admin → Jobs (${job}).`,
    };
  }
  if (!cat && !price) return { busy: false, step: "The price download has not run yet. It starts on schedule; an admin can start it now under Admin → Jobs." };
  return { busy: false, step: "No price arrived yet. The price job runs on schedule; an admin can start it under Admin → Jobs." };
}

/**
 * Until the first prices exist every value is $0.00 or "unpriced": say so, say what is being
 * done and what needs a network connection, and refresh the values when prices arrive.
 */
export function FirstRunBanner() {
  const status = useMarketStatus();
  const qc = useQueryClient();
  const wasFirstRun = useRef(false);
  const first = status.data?.first_run ?? false;
  useEffect(() => {
    if (first) wasFirstRun.current = true;
    else if (wasFirstRun.current) {
      wasFirstRun.current = false;
      void Promise.all([qc.invalidateQueries({ queryKey: ["accounts"] }), qc.invalidateQueries({ queryKey: ["portfolios"] }), qc.invalidateQueries({ queryKey: ["net-worth"] })]);
    }
  }, [first, qc]);
  if (!status.data?.first_run) return null;
  const { busy, step } = firstRunText(status.data);
  return (
    <div role="status" data-testid="first-run-banner" className="mb-6 rounded-lg border border-sky-300 bg-sky-50 p-4 text-sm text-sky-950 dark:border-sky-800 dark:bg-sky-950/60 dark:text-sky-100">
      <p className="flex items-center gap-2 font-semibold">
        {busy && <Spinner className="h-4 w-4" />}
        Loading market data for the first time
      </p>
      <p className="mt-1">
        Values show as $0.00 or “unpriced” until prices arrive. Prices come from CoinGecko or CoinPaprika and need a network connection; balances from your chains and exchanges need one too.
      </p>
      <p className="mt-1 font-medium" data-testid="first-run-step">
        {step}
      </p>
    </div>
  );
}
