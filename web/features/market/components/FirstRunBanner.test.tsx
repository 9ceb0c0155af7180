import { describe, expect, it } from "vitest";
import type { MarketStatus } from "@/lib/api/types";
import { firstRunText } from "./FirstRunBanner";

describe("first-run banner", () => {
  const status = (over: Partial<MarketStatus>): MarketStatus => ({ assets: 0, priced_assets: 0, first_run: true, ...over });
  it("says which step runs, and what to do when a download failed", () => {
    expect(firstRunText(status({ catalog_job: { status: "running", started_at: "" } }))).toEqual({ busy: true, step: "Step 1 of 2: downloading the list of coins…" });
    expect(firstRunText(status({ assets: 12000, catalog_job: { status: "succeeded", started_at: "" }, price_job: { status: "running", started_at: "" } })).step).toBe("Step 2 of 2: fetching prices for 12,000 coins…");
    expect(firstRunText(status({ catalog_job: { status: "failed", started_at: "", error: "dns error: failed to lookup" } })).step).toMatch(/no network connection\?/);
    // When it failed, why, and what to do.
    const now = Date.parse("2026-12-07T06:00:00Z");
    expect(
      firstRunText(status({ catalog_job: { status: "failed", started_at: "2026-12-07T05:50:00Z", finished_at: "2026-12-07T05:55:00Z", error: "coingecko cannot be reached: error sending request" } }), now).step,
    ).toBe(
      "The list of coins could not be downloaded 5 min ago: CoinGecko cannot be reached (no network connection?). Check that this machine can reach the internet; the download is retried on schedule, and an admin can start it now under Admin → Jobs (fetch-all-coins).",
    );
    expect(firstRunText(status({ catalog_job: { status: "succeeded", started_at: "" }, price_job: { status: "failed", started_at: "", error: "coingecko is paused for 119.999890055s after repeated failures" } }), now).step).toMatch(
      /^The prices could not be downloaded: CoinGecko paused after repeated failures .*\(price-collection\)\.$/,
    );
    expect(firstRunText(status({})).step).toMatch(/has not run yet/);
  });
});
