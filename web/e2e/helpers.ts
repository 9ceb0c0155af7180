import { expect, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ListedCoin } from "./support/market";
import type { TestUser } from "./support/oidc";

export const resultsDir = resolve(dirname(fileURLToPath(import.meta.url)), "..", "test-results");
/** Kept by CI as artifacts (git-ignored): `artifacts/screenshots/` at the repository root. */
export const screenshotDir = process.env.E2E_SCREENSHOT_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "artifacts", "screenshots");

/** A full-page screenshot; at phone width (390 px) the name gets a `-phone` suffix unless it has one. */
export async function screenshot(page: Page, name: string) {
  const phone = (page.viewportSize()?.width ?? 1280) < 640;
  if (phone && !name.endsWith("-phone")) name = `${name}-phone`;
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

export async function expectWarningToast(page: Page, text: string | RegExp) {
  await expect(page.getByTestId("toast-warning").filter({ hasText: text }).first()).toBeVisible();
}

/** Runs SQL on the journey's database (e.g. a price from a day ago, which no fake feed can give). */
export function sql(statement: string) {
  execFileSync("psql", [process.env.E2E_DATABASE_URL!, "-v", "ON_ERROR_STOP=1", "-q", "-c", statement], { stdio: ["ignore", "ignore", "inherit"] });
}

export async function setFlakyRpc(mode: "fail" | "heal") {
  const res = await fetch(`${process.env.E2E_FLAKY_RPC_URL}/__e2e/${mode}`, { method: "POST" });
  expect(res.status).toBe(204);
}

export async function expectErrorToast(page: Page, text: string | RegExp) {
  await expect(page.getByTestId("toast-error").filter({ hasText: text }).first()).toBeVisible();
}

interface JobRun {
  id: string;
  status: string;
  error?: string | null;
  details?: Record<string, unknown> | null;
}

/**
 * Runs a job as an admin does, with its "Run" button on the admin page, and waits for that very
 * run (the id the start answered with) to end: the row's status may still show an earlier run
 * of the same job for a moment. Throws with the job's error when it failed; returns the run.
 */
export async function runJob(page: Page, name: string): Promise<JobRun> {
  await page.goto("/admin");
  const job = page.locator(`[data-testid="job-row"][data-job="${name}"]`);
  const [started] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === `/api/backend/jobs/${name}`),
    job.getByRole("button", { name: `Run ${name}` }).click(),
  ]);
  expect(started.status(), `starting ${name}: ${await started.text()}`).toBe(202);
  const { run_id } = (await started.json()) as { run_id: string };
  await expectToast(page, `Started ${name}`);
  let run: JobRun | undefined;
  await expect
    .poll(
      async () => {
        const res = await page.request.get(`/api/backend/jobs/runs/${run_id}`);
        run = res.ok() ? ((await res.json()) as JobRun) : undefined;
        return run?.status ?? `HTTP ${res.status()}`;
      },
      { timeout: 60_000, intervals: [250] },
    )
    .toMatch(/^(succeeded|partial|failed|abandoned)$/);
  if (run!.status === "failed" || run!.status === "abandoned") throw new Error(`${name} ${run!.status}: ${run!.error ?? "no error given"} ${JSON.stringify(run!.details ?? {})}`);
  // The page shows the run's end too.
  await expect(job.getByTestId("job-run-status")).toHaveText(run!.status);
  return run!;
}

/** Lists (or replaces) a coin in the stand-in market's catalog; see `support/market.ts`. */
export async function listCoin(coin: ListedCoin) {
  const res = await fetch(`${process.env.E2E_MARKET_URL}/__e2e/coins`, { method: "POST", body: JSON.stringify(coin) });
  expect(res.status).toBe(204);
}
