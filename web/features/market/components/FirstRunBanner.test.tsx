import { describe, expect, it } from "vitest";
import type { MarketStatus } from "@/lib/api/types";
import { firstRunText } from "./FirstRunBanner";

describe("first-run banner", () => {
  const status = (over: Partial<MarketStatus>): MarketStatus => ({ assets: 0, priced_assets: 0, first_run: true, ...over });
  it("says which step runs, and what to do when a download failed", () => {
    expect(firstRunText(status({ catalog_job: { status: "running", started_at: "" } }))).toEqual({ busy: true, step: "Step 1 of 2: downloading the list of coins…" });
    expect(firstRunText(status({ assets: 12000, catalog_job: { status: "succeeded", started_at: "" }, price_job: { status: "running", started_at: "" } })).step).toBe("Step 2 of 2: fetching prices for 12,000 coins…");
    expect(firstRunText(status({ catalog_job: { status: "failed", started_at: "", error: "dns error: failed to lookup" } })).step).toMatch(/no network connection\?/);
    expect(firstRunText(status({})).step).toMatch(/has not run yet/);
  });
});
