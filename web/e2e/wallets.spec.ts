import { expect, test, type Page } from "@playwright/test";
import { screenshot, signIn } from "./helpers";
import { ADMIN } from "./users";

// Issue 14: every holding found. A manual account (cold storage) is valued like any other, and
// its edits are kept. Runs as the admin after the trust spec (which leaves ETH priced at $3000).

test.describe.configure({ mode: "serial" });

let page: Page;

test.afterAll(async () => {
  await page?.context().close();
});

test("a manual account's entered holdings are valued, checked field by field, and kept as history", async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
  await signIn(page, ADMIN);

  await page.goto("/accounts");
  await page.getByRole("radio", { name: "Manual" }).click();
  await page.getByLabel("Name").fill("Cold storage");
  await page.getByRole("button", { name: "Add manual account" }).click();
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

  await page.getByLabel("Asset").fill("ETH");
  await page.getByLabel("Quantity").fill("3");
  await page.getByRole("button", { name: "Save holding" }).click();
  await expect(page.getByTestId("account-total")).toHaveText("$9,000.00");
  await page.getByTestId("manual-history").locator("summary").click();
  await expect(page.getByTestId("manual-history").locator("li")).toHaveCount(2);
  await expect(page.getByTestId("manual-history")).toContainText("Ledger in the safe");
  await screenshot(page, "manual-account");
});
