import { expect, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestUser } from "./support/oidc";

export const resultsDir = resolve(dirname(fileURLToPath(import.meta.url)), "..", "test-results");
export const screenshotDir = join(resultsDir, "screenshots");

export async function screenshot(page: Page, name: string) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/**
 * Signs in through the identity provider's login form and waits until the dashboard shows the
 * total value; returns the milliseconds from submitting the form to that moment.
 */
export async function signIn(page: Page, user: TestUser): Promise<number> {
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/auth\/signin\?callbackUrl=%2Fdashboard/);
  await page.getByRole("button", { name: "Sign in with Keycloak" }).click();
  await expect(page.locator("#kc-form-login")).toBeVisible();
  await page.locator("#username").fill(user.username);
  await page.locator("#password").fill(user.password);
  const started = Date.now();
  await page.locator("#kc-login").click();
  await expect(page.getByTestId("total-value")).toBeVisible({ timeout: 30_000 });
  const elapsed = Date.now() - started;
  await expect(page).toHaveURL(/\/dashboard$/);
  return elapsed;
}

export async function expectToast(page: Page, text: string | RegExp) {
  await expect(page.getByTestId("toast-success").filter({ hasText: text }).first()).toBeVisible();
}

export async function expectErrorToast(page: Page, text: string | RegExp) {
  await expect(page.getByTestId("toast-error").filter({ hasText: text }).first()).toBeVisible();
}
