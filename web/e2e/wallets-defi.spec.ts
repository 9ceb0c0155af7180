import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test, type Page } from "@playwright/test";
import { resultsDir, runJob, screenshot, signIn } from "./helpers";
import { freePort, waitForHttp } from "./support/net";
import { startProcess, type Managed } from "./support/processes";
import { ADMIN } from "./users";

// Issue 20: a wallet's Aave v3 and Uniswap v3 positions, read from the real contracts (deployed on
// an anvil of this spec's own by tools/defi-fixture), shown on the account page by protocol with
// the health factor. The admin enters the protocols' addresses on the chain page.
// Runs after the journey (file order), which expects a first run with no market data yet.

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fixtureDir = join(root, "tools", "defi-fixture");
/** anvil's last dev account (no other spec uses it): 10 WETH and 250 USDC supplied, 5,000 USDC borrowed, three positions. */
const WALLET = "0xa0ee7a142d267c1f36714e4a8f75612f20a79720";
const CHAIN_ID = 31339;
const MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11";
const MULTICALL3_DEPLOYER = "0x05f32b3cc3888453ff71b01135b34ff8e41263f2";

test.describe.configure({ mode: "serial" });

let anvil: Managed | undefined;
let rpcUrl = "";
let page: Page;
/** What this spec adds, removed at the end so the other specs' totals and lists are untouched. */
const cleanup: string[] = [];

async function rpc<T>(method: string, params: unknown[]): Promise<T> {
  const res = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the fixture script's JSON answer, read field by field by the tests
function fixture(command: string, args: object): Record<string, any> {
  const out = execFileSync("node", [join(fixtureDir, "fixture.mjs"), command, "--rpc", rpcUrl, "--args", JSON.stringify(args)], { encoding: "utf8", timeout: 120_000 });
  return JSON.parse(out);
}

async function api<T>(method: "GET" | "POST" | "PUT", path: string, data?: unknown): Promise<T> {
  let res = await page.request.fetch(`/api/backend${path}`, { method, data });
  // A second sync of the account within RATE_LIMIT_SYNC_SECS (1 s here) is refused with
  // Retry-After, as a user's would be: wait it out once (an idle machine gets there that fast).
  // The account's first sync, started as it was added, may still run (409): wait for it too.
  for (let i = 0; i < 20 && res.status() === 409; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    res = await page.request.fetch(`/api/backend${path}`, { method, data });
  }
  if (res.status() === 429) {
    const seconds = Number(res.headers()["retry-after"] ?? "1");
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 200));
    res = await page.request.fetch(`/api/backend${path}`, { method, data });
  }
  expect(res.ok(), `${method} ${path}: ${res.status()} ${await res.text()}`).toBe(true);
  return (await res.json()) as T;
}

test.beforeAll(async () => {
  const bin = [process.env.ANVIL_BIN, join(root, ".tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")].find((c) => c && c.length > 0);
  const port = await freePort();
  anvil = startProcess("anvil-defi", bin!, ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(CHAIN_ID), "--silent"], { logDir: join(resultsDir, "logs") });
  rpcUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(rpcUrl, 20_000, () => true);
  // Multicall3 from its public pre-signed transaction (DeFi positions are read through it).
  await rpc("anvil_setBalance", [MULTICALL3_DEPLOYER, "0xde0b6b3a7640000"]);
  const tx = readFileSync(join(root, "api/tests/fixtures/evm/multicall3_deploy_tx.hex"), "utf8").trim();
  await rpc("eth_sendRawTransaction", [tx.startsWith("0x") ? tx : `0x${tx}`]);
  await expect.poll(async () => (await rpc<string>("eth_getCode", [MULTICALL3, "latest"])).length > 2, { timeout: 20_000 }).toBe(true);
});

test.afterAll(async () => {
  for (const path of cleanup.reverse()) {
    const res = await page?.request.fetch(`/api/backend${path}`, { method: "DELETE" });
    if (res && !res.ok()) console.warn(`cleanup DELETE ${path}: ${res.status()}`);
  }
  await page?.context().close();
  await anvil?.stop();
});

test("a wallet's Aave and Uniswap positions show by protocol, with the health factor", async ({ browser }) => {
  const scenario = fixture("scenario", { user: WALLET.toLowerCase() });
  const deploy = scenario.deploy;
  const reserve = (symbol: string) => deploy.aave.reserves.find((r: { symbol: string }) => r.symbol === symbol);

  page = await (await browser.newContext()).newPage();
  await signIn(page, ADMIN);
  const chain = await api<{ id: string }>("POST", "/admin/evm-chains", {
    chain_name: "defi", chain_id: CHAIN_ID, display_name: "DeFi Anvil", rpc_url: rpcUrl, native_symbol: "ETH", native_decimals: 18,
  });
  cleanup.push(`/admin/evm-chains/${chain.id}`);
  // The market's coins: WETH counts as ETH, USDC as USDC (registry tokens, identified by symbol).
  for (const [symbol, r] of [["ETH", reserve("WETH")], ["USDC", reserve("USDC")]]) {
    await api("POST", "/admin/evm-tokens", { chain_id: chain.id, symbol, name: symbol, contract_address: r.asset, decimals: Number(r.decimals) });
  }

  // The admin enters the protocols on the chain page.
  await page.goto("/admin/evm-chains");
  const row = page.locator('[data-testid="chain-row"][data-chain="defi"]');
  await expect(row.getByTestId("chain-protocols")).toHaveText("none");
  await row.getByTestId("chain-protocols").click();
  await row.getByLabel("Aave v3 PoolAddressesProvider").fill("0x1234");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByText("must be 0x followed by 40 hex characters")).toBeVisible();
  await row.getByLabel("Aave v3 PoolAddressesProvider").fill(deploy.aave.addresses_provider);
  await row.getByLabel("Uniswap v3 position manager").fill(deploy.uniswap.position_manager);
  await row.getByLabel("Uniswap v3 factory").fill(deploy.uniswap.factory);
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByTestId("chain-protocols")).toHaveText("Aave v3 · Uniswap v3");

  const account = await api<{ id: string }>("POST", "/accounts", { name: "DeFi wallet", account_type: "wallet", wallet_address: WALLET, enabled_chains: ["defi"] });
  cleanup.push(`/accounts/${account.id}`);
  await runJob(page, "price-collection");
  await api("POST", `/accounts/${account.id}/sync`);
  await page.goto(`/accounts/${account.id}`);

  const groups = page.getByTestId("defi-group");
  await expect(groups).toHaveCount(2);
  const aave = page.locator('[data-testid="defi-group"][data-protocol="aave-v3"]');
  // getUserAccountData: 3.33963; shown cut to two places.
  await expect(aave.getByTestId("health-factor")).toHaveText("Health factor 3.33");
  const rows = page.getByTestId("aave-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: "Supplied" }).filter({ hasText: "ETH" })).toContainText("$30,000.00");
  await expect(rows.filter({ hasText: "Borrowed" })).toContainText("-5,000");
  const positions = page.getByTestId("lp-position");
  await expect(positions).toHaveCount(3);
  await expect(positions.filter({ hasText: "In range" })).toHaveCount(1);
  await expect(positions.filter({ hasText: "Out of range" })).toHaveCount(2);
  await expect(positions.first()).toContainText("fee 0.3%");
  // The location list names the protocols, each read fine.
  await expect(page.getByTestId("locations")).toContainText("Aave v3 on DeFi Anvil");
  await expect(page.getByTestId("locations")).toContainText("Uniswap v3 on DeFi Anvil");
  await screenshot(page, "defi-positions");

  // Borrowing more pushes the health factor under the warning level (1.5): the page warns.
  fixture("aave-position", { user: WALLET.toLowerCase(), supply: [], borrow: [{ asset: reserve("USDC").asset, amount: "7000000000" }] });
  await api("POST", `/accounts/${account.id}/sync`);
  await page.reload();
  await expect(aave.getByTestId("health-factor")).toContainText("at risk");
});
