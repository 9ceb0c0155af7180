import { expect, test, type Page } from "@playwright/test";
import { expectToast, runJob, screenshot, setFlakyRpc, signIn } from "./helpers";
import { ADMIN } from "./users";

// Issue 12: no advice on incomplete data, and every valued number shows its price's age.
// Runs as the admin (after the journey, which leaves the admin without accounts or portfolios);
// it sets up what it needs itself, so it also runs alone.

/** anvil's second dev account: 10000 ETH. */
const ANVIL_ACCOUNT_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

test.describe.configure({ mode: "serial" });

let page: Page;

test.afterAll(async () => {
  await page?.context().close();
});

async function api<T>(method: "GET" | "POST" | "PUT", path: string, data?: unknown): Promise<T> {
  const res = await page.request.fetch(`/api/backend${path}`, { method, data });
  expect(res.ok(), `${method} ${path}: ${res.status()} ${await res.text()}`).toBe(true);
  return (await res.json()) as T;
}

test("a target without a price gets a warning instead of trades, and prices show their age", async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
  await signIn(page, ADMIN);

  // The anvil chain (the journey adds it; alone, this test does).
  const chains = await api<{ chain_name: string }[]>("GET", "/admin/evm-chains");
  if (!chains.some((c) => c.chain_name === "anvil")) {
    await api("POST", "/admin/evm-chains", { chain_name: "anvil", chain_id: 31337, display_name: "Anvil", rpc_url: process.env.E2E_ANVIL_URL, native_symbol: "ETH", native_decimals: 18 });
  }
  // The coin list brings XYZ into the registry; no price endpoint knows it.
  await runJob(page, "fetch-all-coins");

  const wallet = await api<{ id: string }>("POST", "/accounts", { name: "Second wallet", account_type: "wallet", wallet_address: ANVIL_ACCOUNT_1, enabled_chains: ["anvil"] });
  const portfolio = await api<{ id: string }>("POST", "/portfolios", { name: "Half unpriced" });
  await api("POST", `/portfolios/${portfolio.id}/accounts`, { account_id: wallet.id });

  // Targets through the form, which sends them as decimal strings.
  await page.goto(`/portfolios/${portfolio.id}/settings`);
  await page.getByLabel("Asset 1", { exact: true }).fill("ETH");
  await page.getByLabel("Target % of asset 1").fill("50");
  await page.getByRole("button", { name: "Add target" }).click();
  await page.getByLabel("Asset 2", { exact: true }).fill("XYZ");
  await page.getByLabel("Target % of asset 2").fill("50");
  await expect(page.getByTestId("targets-sum")).toHaveText("Total 100%");
  const [put] = await Promise.all([
    page.waitForRequest((r) => r.method() === "PUT" && r.url().endsWith(`/api/backend/portfolios/${portfolio.id}`)),
    page.getByRole("button", { name: "Save settings" }).click(),
  ]);
  const body = put.postDataJSON() as { target_allocation: { asset: string; target_pct: unknown }[]; guardrails: Record<string, unknown> };
  expect(body.target_allocation).toEqual([
    { asset: "ETH", target_pct: "50" },
    { asset: "XYZ", target_pct: "50" },
  ]);
  expect(typeof body.guardrails.min_trade_usd).toBe("string");
  await expectToast(page, "Portfolio saved");

  // Prices (XYZ is targeted now, and still gets none), then the wallet's balance.
  await runJob(page, "price-collection");
  await api("POST", `/accounts/${wallet.id}/sync`);

  // The holdings show their price's source and age.
  await page.goto(`/accounts/${wallet.id}`);
  const holding = page.locator('[data-testid="holding-row"][data-symbol="ETH"]');
  await expect(holding.getByTestId("price-age")).toHaveText(/^price (just now|\d+ min ago) · coingecko$/);
  await expect(holding.getByTestId("stale-badge")).toHaveCount(0);

  // The allocation: price age on the line, the age of the data behind the total, and the warning.
  await page.goto(`/portfolios/${portfolio.id}`);
  await expect(page.getByTestId("portfolio-total")).toHaveText("$30,000,000.00");
  const eth = page.locator('[data-testid="holding-row"][data-symbol="ETH"]');
  await expect(eth.getByTestId("price-age")).toHaveText(/^price (just now|\d+ min ago) · coingecko$/);
  await expect(page.getByTestId("oldest-price")).toHaveText(/^oldest price: (just now|\d+ min ago)$/);
  await expect(page.getByTestId("oldest-balance")).toHaveText(/^oldest balance: anvil, (just now|\d+ min ago)$/);
  const onHold = page.getByTestId("blocking-warning");
  await expect(onHold).toContainText("Recommendations are on hold: data is missing.");
  await expect(onHold.locator('[data-testid="blocking-item"][data-reason="no_price"][data-symbol="XYZ"]')).toHaveText(
    "XYZ is a target but has no price yet: wait for the price job, or check the asset",
  );
  // Each cause once: one line for XYZ, and none for the wallet, which synced.
  await expect(onHold.getByTestId("blocking-item")).toHaveCount(1);
  await screenshot(page, "portfolio-incomplete");

  // The Recommendations tab says why before anything is pressed, and the button waits.
  for (const size of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    await page.setViewportSize(size);
    await page.goto(`/portfolios/${portfolio.id}/recommendations`);
    const tabWarning = page.getByTestId("blocking-warning");
    await expect(tabWarning).toContainText("Recommendations are on hold: data is missing.");
    await expect(tabWarning.getByTestId("blocking-item")).toHaveCount(1);
    await expect(tabWarning.locator('[data-testid="blocking-item"][data-symbol="XYZ"]')).toBeVisible();
    await expect(page.getByRole("button", { name: "Generate recommendations" })).toBeDisabled();
    await screenshot(page, "recommendations-on-hold");
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  // Asked anyway (through the API), the recommendation is incomplete: the warning with what to do, and no trades.
  await api("POST", `/portfolios/${portfolio.id}/recommendations`);
  await page.reload();
  const rec = page.getByTestId("recommendation").first();
  await expect(rec).toHaveAttribute("data-status", "incomplete");
  await expect(page.getByTestId("recommendation-status").first()).toHaveText("Incomplete");
  const warning = rec.getByTestId("blocking-warning");
  await expect(warning).toContainText("No trades proposed: data is missing.");
  const item = warning.locator('[data-testid="blocking-item"][data-reason="no_price"][data-symbol="XYZ"]');
  await expect(item).toHaveText("XYZ is a target but has no price yet: wait for the price job, or check the asset");
  await expect(page.getByTestId("trade-row")).toHaveCount(0);
  await expect(rec.getByRole("table")).toHaveCount(0);
  await screenshot(page, "recommendation-incomplete");

  // What the API stored says the same.
  const stored = await api<{ status: string; trades: unknown[]; blocking: { symbol: string; reason: string }[] }[]>("GET", `/portfolios/${portfolio.id}/recommendations`);
  expect(stored[0].status).toBe("incomplete");
  expect(stored[0].trades).toEqual([]);
  expect(stored[0].blocking.map((b) => [b.symbol, b.reason])).toContainEqual(["XYZ", "no_price"]);
});

// Issue 29 item 2: a wallet that cannot be reached and holds nothing known does not hold advice
// back for good: the tab says so and offers to leave it out, and the advice names what it left out.
test("an unreachable wallet holding nothing can be left out of the advice", async () => {
  // The chain behind the RPC the tests can break (the journey adds it; alone, this test does).
  const chains = await api<{ chain_name: string }[]>("GET", "/admin/evm-chains");
  if (!chains.some((c) => c.chain_name === "flaky")) {
    await api("POST", "/admin/evm-chains", { chain_name: "flaky", chain_id: 31338, display_name: "Flaky", rpc_url: process.env.E2E_FLAKY_RPC_URL, native_symbol: "ETH", native_decimals: 18 });
  }
  await runJob(page, "price-collection");
  const kept = await api<{ id: string }>("POST", "/accounts", { name: "Kept", account_type: "manual" });
  await api("PUT", `/accounts/${kept.id}/manual-holdings`, { asset: "ETH", quantity: "2" });
  const portfolio = await api<{ id: string }>("POST", "/portfolios", { name: "With a dead wallet", target_allocation: [{ asset: "ETH", target_pct: "100" }] });
  await api("POST", `/portfolios/${portfolio.id}/accounts`, { account_id: kept.id });

  await setFlakyRpc("fail");
  try {
    const dead = await api<{ id: string }>("POST", "/accounts", { name: "Old wallet", account_type: "wallet", wallet_address: "0x000000000000000000000000000000000000dEaD", enabled_chains: ["flaky"] });
    await api("POST", `/portfolios/${portfolio.id}/accounts`, { account_id: dead.id });
    // Its first sync runs as it is added, and fails.
    await expect
      .poll(async () => (await api<{ last_sync_status: string | null }>("GET", `/accounts/${dead.id}`)).last_sync_status, { timeout: 30_000 })
      .toBe("error");

    for (const size of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
      await page.setViewportSize(size);
      await page.goto(`/portfolios/${portfolio.id}/recommendations`);
      const onHold = page.getByTestId("blocking-warning");
      await expect(onHold.locator('[data-testid="blocking-item"][data-reason="sync_failed"]')).toHaveCount(1);
      await expect(page.getByRole("button", { name: "Generate recommendations" })).toBeDisabled();
      await expect(page.getByTestId("leave-out")).toContainText("Old wallet could not be read and holds nothing the Butler knows of.");
      await screenshot(page, `recommendations-leave-out-${size.width}`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole("button", { name: "Generate without Old wallet" }).click();
    const rec = page.getByTestId("recommendation").first();
    await expect(rec).toHaveAttribute("data-status", "proposed");
    await expect(rec.getByTestId("recommendation-left-out")).toContainText("Leaves out, at your request: Old wallet");
    const stored = await api<{ status: string; excluded_accounts: { id: string; name: string }[] }[]>("GET", `/portfolios/${portfolio.id}/recommendations`);
    expect(stored[0].excluded_accounts).toEqual([{ id: dead.id, name: "Old wallet" }]);
  } finally {
    await setFlakyRpc("heal");
  }
});
