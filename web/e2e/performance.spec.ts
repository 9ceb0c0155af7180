import { expect, test, type Locator, type Page } from "@playwright/test";
import { listCoin, runJob, screenshot, signIn } from "./helpers";
import { ADMIN } from "./users";

// Issue 28, the web side of performance: a ledger seeded through the API (a deposit and a
// purchase of ETH in one account, an asset no provider prices in another), the value chart and
// its range presets, a custom range, the scope selector, a benchmark line toggled, the return
// cards (known, and unknown with the reason when a price is missing), the per-asset table (known
// and unknown rows), and all of it at phone width. The market stand-in serves ETH's and
// BTC's daily history at their current prices (ETH $3000), so the figures can be worked out:
// 1 ETH deposited 40 days ago, 1 ETH bought 10 days ago for $2,500, worth $6,000 today.

test.describe.configure({ mode: "serial" });

let page: Page;
const accounts: string[] = [];

test.afterAll(async () => {
  for (const id of accounts) {
    const res = await page.request.delete(`/api/backend/accounts/${id}`);
    if (!res.ok()) console.warn(`cleanup of account ${id}: ${res.status()}`);
  }
  await page?.context().close();
});

async function api<T>(method: "GET" | "POST", path: string, data?: unknown): Promise<T> {
  const res = await page.request.fetch(`/api/backend${path}`, { method, data });
  expect(res.ok(), `${method} ${path}: ${res.status()} ${await res.text()}`).toBe(true);
  return (await res.json()) as T;
}

/** `n` days before today (UTC), at noon. */
const daysAgo = (n: number) => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() - n, 12)).toISOString().replace(/\.\d+Z$/, "Z");
const day = (n: number) => daysAgo(n).slice(0, 10);

async function noHorizontalOverflow(p: Page) {
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "the page scrolls sideways").toBeLessThanOrEqual(0);
}

const card = (figure: string): Locator => page.locator(`[data-testid="return-card"][data-figure="${figure}"]`);
const value = (figure: string) => card(figure).getByTestId("figure-value");

async function pickRange(name: string) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === "/api/backend/performance" && r.request().method() === "GET"),
    page.getByRole("group", { name: "Range" }).getByRole("button", { name, exact: true }).click(),
  ]);
  expect(res.status()).toBe(200);
  await expect(page.getByRole("button", { name, exact: true })).toHaveAttribute("aria-pressed", "true");
}

test("a user sees the value history, the returns against BTC, ETH and cash, and unknown figures with the reason", async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
  await signIn(page, ADMIN);
  // BTC for its benchmark line (ETH is in the stand-in already); the catalog, then today's prices.
  await listCoin({ id: "bitcoin", symbol: "btc", name: "Bitcoin", platforms: {}, price: 50000, rank: 1 });
  await runJob(page, "fetch-all-coins");
  await runJob(page, "price-collection");

  const book = await api<{ id: string }>("POST", "/accounts", { name: "Perf book", account_type: "manual" });
  accounts.push(book.id);
  const odd = await api<{ id: string }>("POST", "/accounts", { name: "Perf unpriced", account_type: "manual" });
  accounts.push(odd.id);
  await api("POST", "/ledger/entries", { account_id: book.id, kind: "deposit", occurred_at: daysAgo(40), received: { asset: "ETH", quantity: "1" } });
  await api("POST", "/ledger/entries", { account_id: book.id, kind: "trade", occurred_at: daysAgo(10), sent: { asset: "USD", quantity: "2500" }, received: { asset: "ETH", quantity: "1" } });
  // XYZ is in the catalog but no provider has a price for it, today or any day.
  await api("POST", "/ledger/entries", { account_id: odd.id, kind: "deposit", occurred_at: daysAgo(5), received: { asset: "XYZ", quantity: "10" } });

  // Performance is in the navigation.
  await page.goto("/dashboard");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Performance" }).click();
  await expect(page).toHaveURL(/\/performance$/);
  await expect(page.getByRole("heading", { name: "Performance" })).toBeVisible();

  // All accounts: the days holding XYZ have no value, so every figure over the range is unknown,
  // and says why (never 0); those days are gaps in the line.
  const chart = page.getByTestId("performance-chart");
  await expect(chart).toBeVisible();
  await expect(chart).toHaveAttribute("data-points", "41");
  await expect(chart).toHaveAttribute("data-gaps", "6");
  await expect(page.getByTestId("chart-gaps")).toContainText("6 days have no value");
  await expect(page.getByTestId("performance-incomplete")).toContainText("no daily price for XYZ");
  await expect(page.getByTestId("performance-incomplete")).toContainText("price history could not be fetched: XYZ:");
  for (const f of ["time_weighted", "money_weighted", "profit"]) {
    await expect(value(f)).toHaveText("unknown");
    await expect(card(f).getByTestId("figure-why")).toContainText("no daily price for XYZ");
    await expect(card(f).getByTestId("figure-why")).toContainText("6 days have no value");
  }
  // Per asset: XYZ, priced nowhere, is unknown with its reason; never 0.
  const xyz = page.getByTestId("asset-table").locator('[data-testid="asset-row"][data-asset="XYZ"]');
  await expect(xyz.getByTestId("asset-profit")).toHaveText("unknown");
  await expect(xyz.getByTestId("asset-why")).toContainText("no daily price for XYZ");
  await screenshot(page, "performance-unknown");

  // One account: every day is valued. Time-weighted: the purchase day 6000 / (3000 + 2500) − 1;
  // profit: 6000 − 0 − 5500.
  await page.getByLabel("Accounts", { exact: true }).selectOption({ label: "Perf book" });
  await expect(value("time_weighted")).toHaveText("+9.09%");
  await expect(chart).toHaveAttribute("data-gaps", "0");
  await expect(page.getByTestId("performance-incomplete")).toHaveCount(0);
  await expect(card("time_weighted").getByTestId("figure-basis")).toHaveText(/^cumulative/);
  await expect(card("time_weighted").getByTestId("figure-definition")).toContainText("How the holdings grew");
  await expect(value("money_weighted")).toHaveText(/^\+[\d,]+\.\d\d%$/);
  await expect(card("money_weighted").getByTestId("figure-basis")).toHaveText(/^annualised/);
  await expect(card("money_weighted").getByTestId("figure-definition")).toContainText("XIRR");
  await expect(value("profit")).toHaveText("$500.00");
  await expect(card("profit").getByTestId("money-in-out")).toHaveText("Money in $5,500.00 · out $0.00");
  await expect(card("profit").getByTestId("figure-why")).toHaveCount(0);
  for (const f of ["time_weighted", "money_weighted", "profit"]) await expect(card(f).getByTestId("figure-age")).toContainText("today, at the latest price");
  await expect(page.getByTestId("performance-prices")).toContainText("daily closes from CoinGecko");
  await expect(page.getByTestId("performance-range")).toBeVisible();

  // Per asset: ETH made all of the profit, 500 of the 5,500 put in: +9.09 points.
  const eth = page.getByTestId("asset-table").locator('[data-testid="asset-row"][data-asset="ETH"]');
  await expect(eth.getByTestId("asset-profit")).toHaveText("$500.00");
  await expect(eth.getByTestId("asset-contribution")).toHaveText("+9.09 pts");
  await expect(page.getByTestId("assets-unavailable")).toHaveCount(0);

  // Benchmarks: the same money held as cash is worth what went in; BTC and ETH lines toggle on.
  await expect(page.locator('[data-testid="benchmark"][data-benchmark="cash"]').getByTestId("benchmark-value")).toHaveText("$5,500.00");
  await expect(page.locator('[data-testid="benchmark"][data-benchmark="BTC"]')).toBeVisible();
  await expect(chart).toHaveAttribute("data-lines", "value,cash");
  await expect(chart.locator(".perf-line-ETH")).toHaveCount(0);
  await page.getByRole("checkbox", { name: "ETH" }).check();
  await expect(chart).toHaveAttribute("data-lines", "value,ETH,cash");
  await expect(chart.locator(".perf-line-ETH path.recharts-curve")).toHaveCount(1);
  await page.getByRole("checkbox", { name: "BTC" }).check();
  await page.getByRole("checkbox", { name: "Cash" }).uncheck();
  await expect(chart).toHaveAttribute("data-lines", "value,BTC,ETH");
  await expect(chart.locator(".perf-line-cash")).toHaveCount(0);
  await screenshot(page, "performance");

  // Range presets. A week: no money moved and the price stood still: 0, not unknown.
  await pickRange("1W");
  await expect(chart).toHaveAttribute("data-points", "8");
  await expect(value("time_weighted")).toHaveText("0.00%");
  await expect(value("profit")).toHaveText("$0.00");
  await expect(card("profit").getByTestId("money-in-out")).toHaveText("Money in $0.00 · out $0.00");
  // A month holds the purchase: the same return and profit as since the start.
  await pickRange("1M");
  await expect(value("time_weighted")).toHaveText("+9.09%");
  await expect(value("profit")).toHaveText("$500.00");
  await pickRange("1D");
  await expect(chart).toHaveAttribute("data-points", "2");
  await pickRange("YTD");
  await pickRange("1Y");
  await expect(value("profit")).toHaveText("$500.00");
  await pickRange("All");
  await expect(chart).toHaveAttribute("data-points", "41");

  // A custom range around the purchase: 12 to 8 days ago.
  await page.getByRole("button", { name: "Custom" }).click();
  await page.getByLabel("From", { exact: true }).fill(day(12));
  await page.getByLabel("To", { exact: true }).fill(day(8));
  await page.getByRole("button", { name: "Show" }).click();
  await expect(chart).toHaveAttribute("data-points", "5");
  await expect(value("time_weighted")).toHaveText("+9.09%");
  await expect(value("profit")).toHaveText("$500.00");
  await expect(card("profit").getByTestId("figure-age")).toContainText("that day's close");

  // At phone width the page fits (the table scrolls inside its card), unknown figures included.
  await page.setViewportSize({ width: 390, height: 844 });
  await pickRange("All");
  await expect(chart).toBeVisible();
  await expect(value("profit")).toHaveText("$500.00");
  await noHorizontalOverflow(page);
  await screenshot(page, "performance");
  await page.getByLabel("Accounts", { exact: true }).selectOption("all");
  await expect(value("profit")).toHaveText("unknown");
  await expect(card("profit").getByTestId("figure-why")).toContainText("no daily price for XYZ");
  await noHorizontalOverflow(page);
  await screenshot(page, "performance-unknown");
  await page.setViewportSize({ width: 1280, height: 900 });
});
