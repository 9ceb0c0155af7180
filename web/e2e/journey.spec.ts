import { expect, test, type Browser, type Page } from "@playwright/test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expectToast, expectWarningToast, resultsDir, screenshot, setFlakyRpc, signIn, sql } from "./helpers";
import { BINANCE_READ_KEY, BINANCE_READ_SECRET, BINANCE_WITHDRAW_KEY, BINANCE_WITHDRAW_SECRET } from "./support/binance";
import { ADMIN, ANVIL_ACCOUNT_0, USER } from "./users";

test.describe.configure({ mode: "serial" });

const metrics: Record<string, number> = {};

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true });
  return context.newPage();
}

let admin: Page;
let user: Page;

test.afterAll(async () => {
  writeFileSync(join(resultsDir, "e2e-metrics.json"), JSON.stringify(metrics, null, 2));
  for (const [k, v] of Object.entries(metrics)) console.log(`e2e metric ${k}: ${v} ms`);
  await admin?.context().close();
  await user?.context().close();
});

test("an admin adds the anvil chain and collects prices", async ({ browser }) => {
  admin = await newPage(browser);
  metrics.admin_signin_to_dashboard_total_ms = await signIn(admin, ADMIN);
  await expect(admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" })).toBeVisible();

  // First run: no price yet, so the banner says what is happening and what needs a network.
  const banner = admin.getByTestId("first-run-banner");
  await expect(banner).toContainText("Loading market data for the first time");
  await expect(banner).toContainText("need a network connection");
  await expect(banner.getByTestId("first-run-step")).toContainText("Admin → Jobs");
  await screenshot(admin, "first-run");
  await admin.setViewportSize({ width: 390, height: 844 });
  await expect(banner).toBeVisible();
  await screenshot(admin, "first-run");
  await admin.setViewportSize({ width: 1280, height: 900 });

  await admin.goto("/admin/evm-chains");
  await expect(admin.getByTestId("chain-row").first()).toBeVisible();
  await admin.getByRole("button", { name: "Add chain" }).click();
  await admin.getByLabel("Name", { exact: true }).fill("anvil");
  await admin.getByLabel("Chain id").fill("31337");
  await admin.getByLabel("Display name").fill("Anvil");
  await admin.getByLabel("RPC URL").fill("ftp://not-an-rpc");
  await admin.getByRole("button", { name: "Add chain" }).last().click();
  await expect(admin.locator("#chain-rpc_url-error")).toBeVisible();
  // The error stays next to its field: no toast repeats it.
  await expect(admin.getByTestId("toast-error")).toHaveCount(0);

  await admin.getByLabel("RPC URL").fill(process.env.E2E_ANVIL_URL!);
  await admin.getByRole("button", { name: "Add chain" }).last().click();
  await expectToast(admin, "Chain Anvil added");
  await expect(admin.locator('[data-testid="chain-row"][data-chain="anvil"]')).toBeVisible();
  // A second chain behind an RPC the journey can break (E2E_FLAKY_RPC_URL), for a partial sync.
  const flaky = await admin.request.post("/api/backend/admin/evm-chains", {
    data: { chain_name: "flaky", chain_id: 31338, display_name: "Flaky", rpc_url: process.env.E2E_FLAKY_RPC_URL, native_symbol: "ETH", native_decimals: 18 },
  });
  expect(flaky.status(), await flaky.text()).toBe(201);
  await admin.reload();
  await expect(admin.locator('[data-testid="chain-row"][data-chain="flaky"]')).toBeVisible();
  await screenshot(admin, "admin-evm-chains");

  // The Solana RPC is changed beside the EVM chains: checked field by field, saved in place.
  const solana = admin.getByTestId("solana-rpc");
  const publicRpc = (await solana.getByTestId("solana-rpc-url").textContent()) ?? "";
  expect(publicRpc).toMatch(/^https?:\/\//);
  await solana.getByRole("button", { name: "Change" }).click();
  await solana.getByLabel("RPC URL").fill("ftp://not-an-rpc");
  await solana.getByLabel("Deadline (ms)").fill("5");
  await solana.getByRole("button", { name: "Save" }).click();
  await expect(solana.locator("#solana-rpc-url-error")).toBeVisible();
  await expect(solana.locator("#solana-timeout-error")).toBeVisible();
  await solana.getByLabel("RPC URL").fill(process.env.E2E_ANVIL_URL!);
  await solana.getByLabel("Deadline (ms)").fill("5000");
  await solana.getByRole("button", { name: "Save" }).click();
  await expectToast(admin, /RPC saved/);
  await expect(solana.getByTestId("solana-rpc-url")).toHaveText(process.env.E2E_ANVIL_URL!);
  await screenshot(admin, "admin-solana-rpc");
  const restored = await admin.request.put("/api/backend/admin/solana-rpc", { data: { rpc_url: publicRpc } });
  expect(restored.status(), await restored.text()).toBe(200);

  // A sync problem of an RPC points an admin at the chain's row, where the RPC is changed.
  await setFlakyRpc("fail");
  const probe = await admin.request.post("/api/backend/accounts", {
    data: { name: "RPC probe", account_type: "wallet", wallet_address: ANVIL_ACCOUNT_0, enabled_chains: ["flaky"] },
  });
  expect(probe.status(), await probe.text()).toBe(201);
  const probeId = ((await probe.json()) as { id: string }).id;
  await admin.goto("/accounts");
  const probeRow = admin.locator('[data-testid="account-row"][data-account-name="RPC probe"]');
  await expect(probeRow.getByTestId("sync-status")).toHaveText("Failed");
  await expect(probeRow.getByTestId("sync-problem")).toContainText("Flaky: RPC answered with an error (HTTP 503)");
  await probeRow.getByTestId("rpc-fix").click();
  await expect(admin).toHaveURL(/\/admin\/evm-chains#chain-row-flaky$/);
  await expect(admin.locator('[data-testid="chain-row"][data-chain="flaky"]')).toHaveAttribute("data-linked", "true");
  await screenshot(admin, "admin-evm-chains-linked");
  await setFlakyRpc("heal");

  // Deleting a wallet: the app's own dialog, which speaks of no credentials (a wallet has none).
  await admin.goto(`/accounts/${probeId}`);
  await admin.getByRole("button", { name: "Delete", exact: true }).click();
  const confirm = admin.getByRole("dialog", { name: "Delete “RPC probe”?" });
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText("The wallet itself is not touched");
  await expect(confirm).not.toContainText(/credential|API key/);
  await screenshot(admin, "delete-wallet-dialog");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toBeHidden();
  await admin.getByRole("button", { name: "Delete", exact: true }).click();
  await confirm.getByRole("button", { name: "Delete account" }).click();
  await expect(admin).toHaveURL(/\/accounts$/);
  await expect(admin.locator('[data-testid="account-row"][data-account-name="RPC probe"]')).toHaveCount(0);

  // Its page is gone: a way back, not "Try again", at desktop and phone width.
  for (const size of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    await admin.setViewportSize(size);
    await admin.goto(`/accounts/${probeId}`);
    const missing = admin.getByTestId("not-found");
    await expect(missing).toContainText("Not found");
    await expect(admin.getByRole("button", { name: "Try again" })).toHaveCount(0);
    await expect(missing.getByRole("link", { name: "← Back to accounts" })).toBeInViewport();
    await screenshot(admin, "account-not-found");
  }
  await admin.setViewportSize({ width: 1280, height: 900 });
  await admin.getByTestId("not-found").getByRole("link", { name: "← Back to accounts" }).click();
  await expect(admin).toHaveURL(/\/accounts$/);

  await admin.goto("/admin");
  const job = admin.locator('[data-testid="job-row"][data-job="price-collection"]');
  await job.getByRole("button", { name: "Run price-collection" }).click();
  await expectToast(admin, "Started price-collection");
  await expect(job.getByTestId("job-run-status")).toHaveText("succeeded", { timeout: 30_000 });
  // Schedules in words, the cron expression on hover.
  await expect(job.getByTestId("job-schedule")).toHaveText("every hour at :05, :20, :35 and :50");
  await expect(job.getByTestId("job-run-duration")).toHaveText(/^ · took (\d+ s|\d+ min \d+ s)$/);
  await expect(admin.locator('[data-testid="job-row"][data-job="eod-snapshot"]').getByTestId("job-schedule")).toHaveText("every day at 23:30 UTC");
  await screenshot(admin, "admin-jobs");
  // Prices exist now: the banner goes.
  await admin.goto("/dashboard");
  await expect(admin.getByTestId("total-value")).toBeVisible();
  await expect(admin.getByTestId("first-run-banner")).toHaveCount(0);
  // No fake feed has yesterday's price: one from 24 h ago, so the net worth has a 24 h change.
  sql(`INSERT INTO asset_prices (id, asset_id, timestamp, price_usd, source, created_at)
       SELECT gen_random_uuid(), p.asset_id, now() - interval '24 hours', '2500', p.source, now()
       FROM asset_prices p JOIN assets a ON a.id = p.asset_id WHERE upper(a.symbol) = 'ETH' ORDER BY p.timestamp DESC LIMIT 1`);
});

test("a user adds an anvil wallet, builds a portfolio and gets recommendations", async ({ browser }) => {
  user = await newPage(browser);
  metrics.signin_to_dashboard_total_ms = await signIn(user, USER);
  const nav = user.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Accounts" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Admin" })).toHaveCount(0);
  // A new user is told every kind of account that can be added, on the dashboard and the home page.
  for (const kind of ["OKX", "Binance", "EVM wallets", "Solana wallets", "manual accounts"]) {
    await expect(user.getByTestId("welcome-kinds")).toContainText(kind);
  }
  await user.goto("/");
  await expect(user.getByText(/Solana wallets, and manual accounts/)).toBeVisible();

  // Add the wallet: the API's validation error shows next to the field first.
  await user.goto("/accounts");
  await expect(user.getByText("No accounts yet")).toBeVisible();
  await user.getByRole("button", { name: "Add account" }).first().click();
  await user.getByLabel("Name").fill("Anvil wallet");
  await user.getByLabel("Wallet address").fill("0x1234");
  await user.getByLabel("Anvil").check();
  await user.getByLabel("Flaky").check();
  await user.getByRole("button", { name: "Add wallet" }).click();
  await expect(user.locator("#wallet-address-error")).toBeVisible();
  await expect(user.getByLabel("Wallet address")).toHaveAttribute("aria-invalid", "true");
  await user.getByLabel("Wallet address").fill(ANVIL_ACCOUNT_0);
  // The wallet is synced as it is added, with no press of "Sync": a partly failed sync, since the
  // Flaky chain's RPC answers 503. Amber, counted as a problem, the chain named.
  await setFlakyRpc("fail");
  await user.getByRole("button", { name: "Add wallet" }).click();
  await expectToast(user, "Account “Anvil wallet” added");

  const row = user.locator('[data-testid="account-row"][data-account-name="Anvil wallet"]');
  await expect(row.getByTestId("account-kind")).toHaveText("EVM wallet");
  await expectWarningToast(user, "“Anvil wallet” partly synced: Flaky: RPC answered with an error (HTTP 503)");
  await expect(user.getByTestId("toast-success")).toHaveCount(0);
  await expect(row.getByTestId("sync-status")).toHaveText("Partly synced");
  // One line for the one cause, the chain by its name, and who can fix it (this user is no admin).
  await expect(row.getByTestId("sync-problem")).toHaveText("Flaky: RPC answered with an error (HTTP 503) · never read · an admin can check the RPC in Admin → Chains");
  await expect(row.getByTestId("account-value")).toHaveText("$30,000,000.00");
  await screenshot(user, "accounts-partial");
  await user.goto("/dashboard");
  await expect(user.getByTestId("sync-problems")).toHaveText("1");
  await expect(user.getByTestId("sync-problems")).toHaveClass(/text-amber-600/);
  await expect(user.getByTestId("sync-problem-list")).toContainText("Anvil wallet · Flaky: RPC answered with an error (HTTP 503)");
  // The count is the lines shown.
  await expect(user.getByTestId("sync-problem-list").getByTestId("sync-problem")).toHaveCount(1);
  await screenshot(user, "dashboard-partial");

  // The RPC is back: "Sync all" answers at once, progress follows, one toast when done.
  await setFlakyRpc("heal");
  await user.goto("/accounts");
  await user.getByRole("button", { name: "Sync all" }).click();
  await expectToast(user, "“Anvil wallet” synced");
  await expect(row.getByTestId("sync-status")).toHaveText("Synced");
  await expect(row.getByTestId("sync-error")).toHaveCount(0);
  await expect(row.getByTestId("account-value")).toHaveText("$30,000,000.00");
  await expect(row.getByTestId("last-synced")).toHaveText("Last sync just now");
  await screenshot(user, "accounts");

  // Holdings with CSV export.
  await row.getByRole("link", { name: "Anvil wallet" }).click();
  await expect(user).toHaveURL(/\/accounts\/[0-9a-f-]+$/);
  const accountUrl = user.url();
  await expect(user.locator('[data-testid="holding-row"][data-symbol="ETH"]')).toBeVisible();
  const [csv] = await Promise.all([user.waitForEvent("download"), user.getByRole("button", { name: "Export CSV" }).click()]);
  const csvText = readFileSync((await csv.path())!, "utf8");
  expect(csvText.split("\r\n")[0]).toBe("symbol,location,quantity,price_usd,value_usd,current_pct");
  expect(csvText).toContain("ETH,anvil,10000");
  await screenshot(user, "account-detail");

  // Portfolio: create, link the account, set targets (a bad one first).
  await user.goto("/portfolios");
  await expect(user.getByText("No portfolios yet")).toBeVisible();
  await user.getByRole("button", { name: "New portfolio" }).click();
  await user.getByLabel("Name").fill("Main");
  await user.getByRole("button", { name: "Create portfolio" }).click();
  await expectToast(user, "Portfolio “Main” created");
  await expect(user).toHaveURL(/\/portfolios\/[0-9a-f-]+\/settings$/);
  const portfolioUrl = user.url().replace(/\/settings$/, "");

  await user.getByLabel("Link Anvil wallet").click();
  await expectToast(user, "Account linked");
  await expect(user.getByLabel("Link Anvil wallet")).toBeChecked();

  // Several bad fields: every one is named at once, in plain words, and nothing is sent.
  let puts = 0;
  user.on("request", (r) => {
    if (r.method() === "PUT" && r.url().includes("/api/backend/portfolios/")) puts++;
  });
  const minTrade = await user.getByLabel("Minimum trade (USD)").inputValue();
  const band = await user.getByLabel("Drift band (points)").inputValue();
  await user.getByLabel("Asset 1", { exact: true }).fill("ETH");
  await user.getByLabel("Target % of asset 1").fill("-5");
  await user.getByRole("button", { name: "Add CASH" }).click();
  await user.getByLabel("Target % of asset 2").fill("40");
  await user.getByLabel("Minimum trade (USD)").fill("ten");
  await user.getByLabel("Drift band (points)").fill("200");
  await user.getByRole("button", { name: "Save settings" }).click();
  await expect(user.getByTestId("form-errors")).toContainText("3 fields need a fix");
  await expect(user.locator("#target-pct-0-error")).toHaveText("A target cannot be below 0%.");
  await expect(user.locator("#g-min-error")).toHaveText("Enter an amount in US dollars, like 10 or 2.50.");
  await expect(user.locator("#g-abs-error")).toHaveText("At most 100.");
  await expect(user.getByLabel("Minimum trade (USD)")).toHaveAttribute("aria-invalid", "true");
  await expect(user.getByTestId("toast-error")).toHaveCount(0);
  expect(puts, "nothing is sent while fields are bad").toBe(0);
  await screenshot(user, "settings-errors");
  await user.getByLabel("Target % of asset 1").fill("60");
  await user.getByLabel("Minimum trade (USD)").fill(minTrade);
  await user.getByLabel("Drift band (points)").fill(band);
  await expect(user.getByTestId("targets-sum")).toHaveText("Total 100%");
  await user.getByRole("button", { name: "Save settings" }).click();
  await expectToast(user, "Portfolio saved");
  await screenshot(user, "portfolio-settings");

  // Allocation chart and drift.
  await user.goto(portfolioUrl);
  await expect(user.getByTestId("portfolio-total")).toHaveText("$30,000,000.00");
  await expect(user.getByTestId("allocation-pie")).toBeVisible();
  const ethBar = user.locator('[data-testid="allocation-bar-line"][data-symbol="ETH"]');
  await expect(ethBar.getByTestId("current")).toHaveAttribute("style", /width: 100%/);
  await expect(ethBar.getByTestId("target")).toHaveAttribute("style", /left: 60%/);
  const ethRow = user.locator('[data-testid="holding-row"][data-symbol="ETH"]');
  await expect(ethRow.getByTestId("drift-badge")).toHaveText(/Over \+40\.0 pts/);
  await expect(user.locator('[data-testid="holding-row"][data-symbol="CASH"]').getByTestId("drift-badge")).toHaveText(/Under −40\.0 pts/);
  await screenshot(user, "portfolio-detail");

  // Snapshot and its CSV.
  await user.getByRole("link", { name: "Snapshots" }).click();
  await expect(user.getByText("No snapshots in this range")).toBeVisible();
  await user.getByRole("button", { name: "Take snapshot" }).click();
  await expectToast(user, "Snapshot taken");
  await expect(user.getByTestId("snapshot-row")).toHaveCount(1);
  // Its lines read as a value and a quantity, each with its unit.
  await user.getByTestId("snapshot-row").getByRole("button").first().click();
  const snapEth = user.locator('[data-testid="snapshot-line"][data-symbol="ETH"]');
  await expect(snapEth.getByTestId("snapshot-line-value")).toHaveText("$30,000,000.00");
  await expect(snapEth.getByTestId("snapshot-line-quantity")).toHaveText("10,000 ETH");
  await expect(user.getByTestId("value-history-chart")).toBeVisible();
  const [snapCsv] = await Promise.all([user.waitForEvent("download"), user.getByRole("button", { name: "Export CSV" }).click()]);
  const snapText = readFileSync((await snapCsv.path())!, "utf8");
  expect(snapText.split("\r\n")[0]).toBe("date,type,total_value_usd,symbol,quantity,price_usd,value_usd");
  expect(snapText).toContain("ETH");
  await screenshot(user, "snapshots");

  // Recommendations.
  await user.getByRole("link", { name: "Recommendations" }).click();
  await expect(user.getByText("No recommendations yet")).toBeVisible();
  await user.getByRole("button", { name: "Generate recommendations" }).click();
  await expectToast(user, /trades? recommended/);
  const sell = user.locator('[data-testid="trade-row"][data-side="sell"][data-symbol="ETH"]');
  await expect(user.getByTestId("trade-card")).toBeHidden();
  await expect(sell).toBeVisible();
  await expect(sell).toContainText("Anvil wallet");
  await screenshot(user, "recommendations");

  // The audit log: the user's own changes, in words, filtered by kind.
  await user.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  await expect(user.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await expect(user.getByTestId("audit-words").filter({ hasText: "Account “Anvil wallet” added" })).toHaveCount(1);
  await expect(user.getByTestId("audit-words").filter({ hasText: /^Snapshot .*taken$/ }).first()).toBeVisible();
  await user.getByLabel("Kind").selectOption("account");
  await expect(user.getByTestId("audit-row").first()).toBeVisible();
  await expect(user.locator('[data-testid="audit-row"]:not([data-kind="account"])')).toHaveCount(0);
  // Only the user's own: nothing the admin did (the admin's chains) shows.
  await user.getByLabel("Kind").selectOption("evm_chain");
  await expect(user.getByText("No changes match")).toBeVisible();
  await expect(user.getByLabel("By")).toHaveCount(0);
  await screenshot(user, "audit-log");

  // The dashboard: net worth across every account with its 24 h change, the default portfolio beside it.
  const loadStarted = Date.now();
  await user.goto("/dashboard");
  await expect(user.getByTestId("total-value")).toHaveText("$30,000,000.00");
  metrics.dashboard_navigation_to_total_ms = Date.now() - loadStarted;
  // 10000 ETH at $3000 now and $2500 a day ago.
  await expect(user.getByTestId("change-24h-value")).toHaveText("▲ +$5,000,000.00 (+20.00%)");
  await expect(user.getByTestId("portfolio-value")).toHaveText("$30,000,000.00");
  await expect(user.getByTestId("sync-problems")).toHaveText("0");
  await expect(user.locator('[data-testid="by-place"] [data-testid="breakdown-line"][data-label="Anvil"]')).toContainText("$30,000,000.00");
  await expect(user.locator('[data-testid="by-asset"] [data-testid="breakdown-line"][data-label="ETH"]')).toContainText("100.0%");
  await expect(user.getByTestId("value-history-single")).toHaveText("$30,000,000.00");
  await expect(user.getByTestId("value-history-chart")).toBeVisible();
  await expect(user.getByTestId("drift-badge").first()).toBeVisible();
  await screenshot(user, "dashboard");

  // Phone width: the nav collapses and nothing overflows sideways.
  await user.setViewportSize({ width: 390, height: 844 });
  const portfolioPath = portfolioUrl.replace(/^https?:\/\/[^/]+/, "");
  const accountPath = new URL(accountUrl).pathname;
  const phonePages: [string, string][] = [
    ["/dashboard", "dashboard"],
    ["/accounts", "accounts"],
    [accountPath, "account-detail"],
    [portfolioPath, "portfolio-detail"],
    [`${portfolioPath}/settings`, "portfolio-settings"],
    [`${portfolioPath}/snapshots`, "snapshots"],
    [`${portfolioPath}/recommendations`, "recommendations"],
    ["/settings", "settings"],
    ["/audit", "audit-log"],
  ];
  for (const [path, name] of phonePages) {
    await user.goto(path);
    await expect(user.getByRole("button", { name: "Open menu" })).toBeVisible();
    await expect(user.getByRole("navigation", { name: "Main" })).toHaveCount(0);
    await user.waitForLoadState("networkidle");
    const overflow = await user.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
    if (path.startsWith(portfolioPath)) {
      // Every portfolio tab fits on the screen.
      for (const tab of ["Allocation", "Settings", "Snapshots", "Recommendations"]) {
        await expect(user.getByRole("navigation", { name: "Portfolio" }).getByRole("link", { name: tab })).toBeInViewport({ ratio: 1 });
      }
    }
    if (name === "account-detail" || name === "portfolio-detail") {
      // The holdings keep their value column on a phone.
      const ethValue = user.locator('[data-testid="holding-row"][data-symbol="ETH"]').getByTestId("holding-value");
      await expect(ethValue).toContainText("$30,000,000.00");
      // Within the screen's width without scrolling the table sideways (it may be further down the page).
      const box = (await ethValue.boundingBox())!;
      expect(box.x, `value column on ${path}`).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, `value column on ${path}`).toBeLessThanOrEqual(390);
    }
    if (name === "recommendations") {
      // Trades as cards on a phone, not a table that scrolls sideways.
      await expect(user.locator('[data-testid="trade-card"][data-side="sell"][data-symbol="ETH"]').first()).toBeVisible();
      await expect(user.getByTestId("trade-row").first()).toBeHidden();
    }
    await screenshot(user, name);
  }
  await user.goto("/dashboard");
  await user.getByRole("button", { name: "Open menu" }).click();
  await expect(user.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Portfolios" })).toBeVisible();
  await screenshot(user, "dashboard-phone");
  await user.setViewportSize({ width: 1280, height: 900 });

  // Themes: the system's dark preference, then an explicit choice in the settings.
  await user.emulateMedia({ colorScheme: "dark" });
  await user.goto("/dashboard");
  await expect(user.locator("html")).toHaveClass(/dark/);
  await expect(user.getByTestId("value-history-chart")).toBeVisible();
  await screenshot(user, "dashboard-dark");
  await user.goto("/settings");
  await expect(user.getByTestId("settings-username")).toHaveText("bob");
  await user.getByRole("radio", { name: "Light" }).click();
  await expectToast(user, "Theme: light");
  await expect(user.locator("html")).not.toHaveClass(/dark/);
  await user.reload();
  await expect(user.locator("html")).not.toHaveClass(/dark/);
  await user.getByRole("radio", { name: "System" }).click();
  await expect(user.locator("html")).toHaveClass(/dark/);
  await user.emulateMedia({ colorScheme: "light" });
});

test("a non-admin cannot reach admin pages", async () => {
  for (const path of ["/admin", "/admin/evm-chains", "/admin/evm-tokens"]) {
    await user.goto(path);
    await expect(user.getByTestId("admin-forbidden")).toBeVisible();
  }
  const res = await user.request.get("/api/backend/admin/evm-chains");
  expect(res.status()).toBe(403);
  const jobs = await user.request.post("/api/backend/jobs/price-collection");
  expect(jobs.status()).toBe(403);
});

test("a user adds a Binance account against the fake Binance and sees every location", async () => {
  await user.goto("/accounts");
  await user.getByRole("button", { name: "Add account" }).first().click();
  await user.getByRole("radio", { name: "Exchange" }).click();
  // The exchanges and their credential fields come from GET /api/exchanges.
  await user.getByLabel("Exchange", { exact: true }).selectOption({ label: "Binance" });
  await expect(user.getByLabel("Passphrase")).toHaveCount(0);
  await user.getByLabel("Name").fill("Binance main");

  // A key that can withdraw is refused, naming the key field.
  await user.getByLabel("API key").fill(BINANCE_WITHDRAW_KEY);
  await user.getByLabel("Secret key").fill(BINANCE_WITHDRAW_SECRET);
  await user.getByRole("button", { name: "Add Binance account" }).click();
  await expect(user.locator("#api-key-error")).toContainText("withdraw");

  // A wrong secret: Binance's -1022, in words, on the secret field.
  await user.getByLabel("API key").fill(BINANCE_READ_KEY);
  await user.getByLabel("Secret key").fill("not-the-secret");
  await user.getByRole("button", { name: "Add Binance account" }).click();
  await expect(user.locator("#api-secret-error")).toContainText("signature");

  await user.getByLabel("Secret key").fill(BINANCE_READ_SECRET);
  await user.getByRole("button", { name: "Add Binance account" }).click();
  await expectToast(user, "Account “Binance main” added");

  // Synced as it is added.
  const row = user.locator('[data-testid="account-row"][data-account-name="Binance main"]');
  await expectToast(user, "“Binance main” synced");
  await expect(row.getByTestId("account-kind")).toHaveText("Binance");
  await expect(row.getByTestId("sync-status")).toHaveText("Synced");
  // Spot ETH 1.5 + locked earn ETH 0.5 at $3000, funding USDC 250.25 + flexible earn USDC 100;
  // the spot LDUSDC row mirrors the flexible USDC and is not counted twice.
  await expect(row.getByTestId("account-value")).toHaveText("$6,350.25");
  await row.getByRole("link", { name: "Binance main" }).click();
  await expect(user.locator('[data-testid="holding-row"][data-symbol="ETH"]')).toHaveCount(2);
  await expect(user.locator('[data-testid="holding-row"][data-symbol="USDC"]')).toHaveCount(2);
  await expect(user.locator('[data-testid="holding-row"][data-symbol="LDUSDC"]')).toHaveCount(0);
  await screenshot(user, "account-detail-binance");
});

test("an admin adds a token", async () => {
  await admin.goto("/admin/evm-tokens");
  await expect(admin.getByText("No tokens")).toBeVisible();
  await admin.getByRole("button", { name: "Add token" }).click();
  await admin.getByLabel("Chain", { exact: true }).last().selectOption({ label: "Anvil" });
  await admin.getByLabel("Symbol").fill("TST");
  await admin.getByLabel("Name").fill("Test token");
  await admin.getByLabel("Contract address").fill("0x5FbDB2315678afecb367f032d93F642f64180aa3");
  await admin.getByLabel("Decimals").fill("18");
  await admin.getByRole("button", { name: "Add token" }).last().click();
  await expectToast(admin, "Token TST added");
  await expect(admin.locator('[data-testid="token-row"][data-symbol="TST"]')).toBeVisible();
  // The list says how wallets value it, from the same identification a sync uses: no catalog coin is TST.
  await expect(admin.locator('[data-testid="token-row"][data-symbol="TST"]').getByTestId("token-valuation")).toHaveAttribute("data-state", "unknown");
  await screenshot(admin, "admin-evm-tokens");

  // An admin's audit log holds everyone's changes: the token just added, and the user's wallet.
  await admin.goto("/audit");
  await expect(admin.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await expect(admin.getByTestId("audit-words").filter({ hasText: "Token added" }).first()).toBeVisible();
  await admin.getByLabel("Kind").selectOption("account");
  await expect(admin.getByTestId("audit-words").filter({ hasText: /^Account added$/ }).first()).toBeVisible();
  await expect(admin.getByLabel("By")).toBeVisible();
});

test("tokens were refreshed during the run, and a lost session leads back to sign-in", async () => {
  const stats = (await (await fetch(process.env.E2E_OIDC_STATS!)).json()) as { refreshGrants: number; grantErrors: number };
  console.log(`e2e oidc: ${JSON.stringify(stats)}`);
  expect(stats.grantErrors).toBe(0);
  expect(stats.refreshGrants).toBeGreaterThan(0);

  const res = await user.request.get("/api/backend/me");
  expect(res.status()).toBe(200);
  await user.context().clearCookies();
  const anon = await user.request.get("/api/backend/me");
  expect(anon.status()).toBe(401);
  await user.goto("/accounts");
  await expect(user).toHaveURL(/\/auth\/signin\?callbackUrl=%2Faccounts/);
  await expect(user.getByRole("button", { name: "Sign in with Keycloak" })).toBeVisible();
});

test("signing out ends the session here and at the identity provider", async () => {
  await admin.goto("/settings");
  await admin.getByRole("main").getByRole("button", { name: "Sign out" }).click();
  // The identity provider asks before ending its session when only client_id is sent:
  // oidc-provider's "Yes, sign me out", Keycloak's "Logout".
  const confirm = admin.getByRole("button", { name: /sign me out|^log ?out$/i });
  const signInLink = admin.getByRole("link", { name: "Sign in" });
  await expect(confirm.or(signInLink)).toBeVisible();
  if (await confirm.isVisible()) await confirm.click();
  await expect(admin).toHaveURL(/localhost:\d+\/$/);
  await expect(signInLink).toBeVisible();
  expect((await admin.request.get("/api/backend/me")).status()).toBe(401);
  await admin.goto("/dashboard");
  await admin.getByRole("button", { name: "Sign in with Keycloak" }).click();
  await expect(admin.locator("#kc-form-login")).toBeVisible();
});
