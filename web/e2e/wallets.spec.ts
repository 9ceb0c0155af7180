import { expect, test, type Page } from "@playwright/test";
import { expectToast, listCoin, runJob, screenshot, signIn } from "./helpers";
import { deployNamedToken, mint } from "./support/erc20";
import { ADMIN } from "./users";

/** anvil's eighth dev account, used by no other spec. */
const DISCOVERY_WALLET = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
/**
 * anvil's fourth dev account deploys the tokens: account 0's first contract address is the
 * journey's registry token (with 18 decimals), which would take CAT's place.
 */
const DEPLOYER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

// Issue 14: every holding found. A manual account (cold storage) is valued like any other, and
// its edits are kept; a wallet shows a catalog token no admin registered, valued, and keeps spam
// and unverified tokens out of its total. Runs as the admin after the trust spec (which leaves
// ETH priced at $3000); sets up what it needs itself, so it also runs alone.

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

test("a manual account's entered holdings are valued, checked field by field, and kept as history", async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
  await signIn(page, ADMIN);
  // The anvil chain (the journey adds it; alone, this spec does) and today's prices.
  const chains = await api<{ chain_name: string }[]>("GET", "/admin/evm-chains");
  if (!chains.some((c) => c.chain_name === "anvil")) {
    await api("POST", "/admin/evm-chains", { chain_name: "anvil", chain_id: 31337, display_name: "Anvil", rpc_url: process.env.E2E_ANVIL_URL, native_symbol: "ETH", native_decimals: 18 });
  }
  await runJob(page, "price-collection");

  await page.goto("/accounts");
  await page.getByRole("button", { name: "Add account" }).click();
  await page.getByRole("radio", { name: "Manual" }).click();
  await page.getByLabel("Name").fill("Cold storage");
  await page.getByRole("button", { name: "Add manual account" }).click();
  // Labelled "Manual" (never "EXCHANGE"), and the filter has a Manual option.
  const manualRow = page.locator('[data-testid="account-row"][data-account-name="Cold storage"]');
  await expect(manualRow.getByTestId("account-kind")).toHaveText("Manual");
  // Synced as it is added: a manual account reads what was entered, so it is never "Never synced".
  await expect(manualRow.getByTestId("sync-status")).toHaveText("Synced");
  if ((await page.getByTestId("account-row").count()) > 1) {
    await page.getByLabel("Show").selectOption("manual");
    await expect(page.getByTestId("account-row")).toHaveCount(await page.locator('[data-testid="account-kind"]', { hasText: /^Manual$/ }).count());
    await expect(page.locator('[data-testid="account-row"] [data-testid="account-kind"]').filter({ hasNotText: /^Manual$/ })).toHaveCount(0);
    await page.getByLabel("Show").selectOption("all");
  }
  await page.getByRole("link", { name: "Cold storage" }).first().click();
  await expect(page.getByRole("heading", { name: "Cold storage" })).toBeVisible();

  // Every bad field at once, in words, before anything is sent.
  await page.getByLabel("Quantity").fill("-1");
  await page.getByLabel("Note").fill("x".repeat(201));
  await page.getByRole("button", { name: "Save holding" }).click();
  await expect(page.locator("#manual-asset-error")).toHaveText(/Enter a symbol/);
  await expect(page.locator("#manual-quantity-error")).toHaveText(/cannot be negative/);
  await expect(page.locator("#manual-note-error")).toHaveText(/200 characters/);

  // ETH is priced at $3000 by the stand-in market: 2.5 ETH is $7,500.
  await page.getByLabel("Asset").fill("ETH");
  await page.getByLabel("Quantity").fill("2.5");
  await page.getByLabel("Note").fill("Ledger in the safe");
  const [put] = await Promise.all([
    page.waitForRequest((r) => r.method() === "PUT" && r.url().includes("/manual-holdings")),
    page.getByRole("button", { name: "Save holding" }).click(),
  ]);
  expect(put.postDataJSON()).toEqual({ asset: "ETH", quantity: "2.5", note: "Ledger in the safe" });
  await expect(page.getByTestId("account-total")).toHaveText("$7,500.00");
  // The form clears once the save settles (after the refetched total can already show): a
  // user types the next entry into the cleared form, never into one about to be cleared.
  await expect(page.getByLabel("Asset")).toHaveValue("");

  await page.getByLabel("Asset").fill("ETH");
  await page.getByLabel("Quantity").fill("3");
  await page.getByRole("button", { name: "Save holding" }).click();
  await expect(page.getByTestId("account-total")).toHaveText("$9,000.00");
  await page.getByTestId("manual-history").locator("summary").click();
  await expect(page.getByTestId("manual-history").locator("li")).toHaveCount(2);
  await expect(page.getByTestId("manual-history")).toContainText("Ledger in the safe");
  await screenshot(page, "manual-account");
});

// Issue 14, discovery: the catalog (not the admin's registry) decides which tokens a wallet is
// scanned for and which are valued. CAT is ranked beyond the price job's top list, so it gets a
// price only once a wallet holds it: the price job after the sync asks `/simple/price` for it.
test("a wallet shows a catalog token no admin registered, and keeps spam and unverified tokens out of its total", async () => {
  const rpc = process.env.E2E_ANVIL_URL!;
  // On chain: a catalog token (CAT), a USDC look-alike and a token no catalog knows.
  const cat = await deployNamedToken(rpc, DEPLOYER, 6, "Catty", "CAT");
  const fakeUsdc = await deployNamedToken(rpc, DEPLOYER, 6, "USD Coin", "USDC");
  const odd = await deployNamedToken(rpc, DEPLOYER, 18, "Oddity", "ODD");
  const mine = await deployNamedToken(rpc, DEPLOYER, 8, "Mine Token", "MINE");
  await mint(rpc, DEPLOYER, cat, DISCOVERY_WALLET, 1_500_000n); // 1.5 CAT
  await mint(rpc, DEPLOYER, fakeUsdc, DISCOVERY_WALLET, 1_000_000_000_000n); // "1,000,000 USDC"
  await mint(rpc, DEPLOYER, odd, DISCOVERY_WALLET, 5n * 10n ** 18n);

  // The catalog lists CAT (at $2, rank 900) and the real USDC at another contract of the test chain.
  await listCoin({ id: "catty", symbol: "cat", name: "Catty", platforms: { "anvil-e2e": cat }, price: 2, rank: 900 });
  await listCoin({ id: "usd-coin", symbol: "usdc", name: "USDC", platforms: { "anvil-e2e": "0x000000000000000000000000000000000000dead" } });
  await runJob(page, "fetch-all-coins");
  // No admin registered CAT: the registry (the journey's TST, or nothing) does not name it.
  const registry = await api<{ contract_address: string }[]>("GET", "/admin/evm-tokens");
  expect(registry.map((t) => t.contract_address.toLowerCase())).not.toContain(cat);

  // The user adds the wallet with the form and syncs it.
  await page.goto("/accounts");
  await page.getByRole("button", { name: "Add account" }).first().click();
  await page.getByRole("radio", { name: "EVM wallet" }).click();
  await page.getByLabel("Name").fill("Discovery wallet");
  await page.getByLabel("Wallet address").fill(DISCOVERY_WALLET);
  await page.getByLabel("Anvil").check();
  await page.getByRole("button", { name: "Add wallet" }).click();
  await expectToast(page, "Account “Discovery wallet” added");
  await page.getByRole("link", { name: "Discovery wallet" }).first().click();
  await expect(page.getByRole("heading", { name: "Discovery wallet" })).toBeVisible();
  const walletId = new URL(page.url()).pathname.split("/").pop()!;
  // Synced as it was added: no press of "Sync".
  await expectToast(page, "“Discovery wallet” synced");

  // CAT was found without any registry entry; it has no price yet (outside the top list, and
  // not held when prices were last collected): 10000 ETH at $3000 only.
  const catRow = page.locator('[data-testid="holding-row"][data-symbol="CAT"]');
  await expect(catRow).toContainText("1.5");
  await expect(catRow).toContainText("unpriced");
  await expect(page.getByTestId("account-total")).toHaveText("$30,000,000.00");

  // Prices are collected after the sync: the held CAT is priced by id, beyond the top list.
  const prices = await runJob(page, "price-collection");
  expect(prices.details?.held_or_targeted_priced, JSON.stringify(prices.details)).toBeGreaterThanOrEqual(1);
  await page.goto(`/accounts/${walletId}`);
  await expect(catRow).toContainText("$3.00");
  await expect(catRow.getByTestId("price-age")).toHaveText(/· coingecko$/);
  // 1.5 × $2 is in the total.
  await expect(page.getByTestId("account-total")).toHaveText("$30,000,003.00");

  // Tokens no catalog lists are only read when the user adds them by contract; the symbol is
  // read on chain. A bad address is refused before anything is sent.
  await page.getByLabel("Token contract").fill("0x12");
  await page.getByRole("button", { name: "Add token" }).click();
  await expect(page.locator("#token-contract-error")).toHaveText(/40 hex characters/);
  for (const [address, symbol] of [
    [fakeUsdc, "USDC"],
    [odd, "ODD"],
    [mine, "MINE"],
  ]) {
    await page.getByLabel("Token contract").fill(address);
    await page.getByRole("button", { name: "Add token" }).click();
    await expect(page.getByTestId("added-tokens")).toContainText(symbol);
  }
  await expect(page.getByTestId("added-tokens")).toContainText("Mine Token");
  await page.getByRole("button", { name: "Sync Discovery wallet" }).click();
  await expectToast(page, "“Discovery wallet” synced");
  await page.reload();

  // The USDC look-alike is spam and ODD unverified: listed apart, never in the total, which is
  // still ETH and CAT (the look-alike's "1,000,000 USDC" would be $1,000,000 if it counted).
  const table = page.getByRole("table", { name: /Holdings of Discovery wallet/ });
  await expect(table.getByTestId("holding-row")).toHaveCount(2);
  await expect(table).not.toContainText("ODD");
  await expect(table).not.toContainText("USDC");
  await expect(page.getByTestId("account-total")).toHaveText("$30,000,003.00");
  const acc = await api<{ total_value_usd: string; holdings: { symbol: string; flags?: string[]; value_usd?: string | null }[] }>("GET", `/accounts/${walletId}`);
  const flagsOf = (s: string) => acc.holdings.find((h) => h.symbol === s)?.flags ?? [];
  expect(flagsOf("USDC")).toContain("spam");
  expect(flagsOf("ODD")).toContain("unverified");
  expect(flagsOf("CAT")).toEqual([]);
  expect(Number(acc.holdings.find((h) => h.symbol === "CAT")?.value_usd)).toBe(3);
  expect(acc.holdings.some((h) => h.symbol === "MINE")).toBe(false); // a zero balance is not stored
  const counted = acc.holdings.filter((h) => !(h.flags ?? []).some((f) => f === "spam" || f === "unverified"));
  const sum = counted.reduce((t, h) => t + Number(h.value_usd ?? 0), 0);
  expect(Number(acc.total_value_usd)).toBeCloseTo(sum, 6);
  expect(Number(acc.total_value_usd)).toBeCloseTo(30_000_003, 6);

  // The unverified list is collapsed; spam is hidden until asked.
  const unverified = page.getByTestId("unverified-tokens");
  await expect(unverified.locator("summary")).toHaveText(/Unverified tokens \(1\)/);
  await expect(unverified.getByTestId("token-line")).toBeHidden();
  await unverified.locator("summary").click();
  await expect(unverified.getByTestId("token-line")).toHaveCount(1);
  await expect(unverified.getByTestId("token-line")).toBeVisible();
  await expect(unverified).toContainText("ODD");
  await expect(page.getByTestId("spam-tokens")).toHaveCount(0);
  await page.getByLabel(/Show spam \(1\)/).check();
  await expect(page.getByTestId("spam-tokens")).toContainText("USDC");
  await screenshot(page, "discovery-wallet");

  // Marking ODD as spam moves it at once; marking the look-alike "not spam" makes it unverified,
  // shown, but still not valued. The total never moves.
  await unverified.getByRole("button", { name: "Mark as spam" }).click();
  await expectToast(page, "Marked as spam");
  const spam = page.getByTestId("spam-tokens");
  await expect(spam.getByTestId("token-line")).toHaveCount(2);
  await expect(spam.locator('[data-testid="token-line"][data-symbol="ODD"]')).toBeVisible();
  await expect(unverified).toHaveCount(0);
  await spam.locator('[data-testid="token-line"][data-symbol="USDC"]').getByRole("button", { name: "Not spam" }).click();
  await expectToast(page, "Marked as not spam");
  await expect(unverified.locator("summary")).toHaveText(/Unverified tokens \(1\)/);
  await unverified.locator("summary").click();
  await expect(unverified.locator('[data-testid="token-line"][data-symbol="USDC"]')).toBeVisible();
  await expect(page.getByTestId("account-total")).toHaveText("$30,000,003.00");

  // The marks hold at the next sync.
  await page.getByRole("button", { name: "Sync Discovery wallet" }).click();
  await expectToast(page, "“Discovery wallet” synced");
  await page.reload();
  await expect(unverified.locator("summary")).toHaveText(/Unverified tokens \(1\)/);
  await unverified.locator("summary").click();
  await expect(unverified.getByTestId("token-line")).toHaveAttribute("data-symbol", "USDC");
  await page.getByLabel(/Show spam \(1\)/).check();
  await expect(spam.getByTestId("token-line")).toHaveAttribute("data-symbol", "ODD");
  await expect(page.getByTestId("account-total")).toHaveText("$30,000,003.00");
  await expect(table.getByTestId("holding-row")).toHaveCount(2);
});
