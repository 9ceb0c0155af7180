import { expect, test, type Page } from "@playwright/test";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expectToast, screenshot, signIn } from "./helpers";
import { USER } from "./users";

// Issue 30, the web side of alerts: a webhook channel pointing at a receiver this spec runs on
// 127.0.0.1 (the harness's API allows loopback, EVM_RPC_ALLOW_NETWORKS=loopback, the operator's
// documented setting; link-local stays refused), its secret shown once, "Send a test" received
// with a signature that verifies with that secret, a rule, and the test delivery in the history.
// Runs as the non-admin user; its channel and rule are deleted at the end.

test.describe.configure({ mode: "serial" });

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let page: Page;
let receiver: Server | undefined;
const received: Received[] = [];

test.afterAll(async () => {
  if (page) {
    for (const kind of ["rules", "channels"]) {
      const res = await page.request.get(`/api/backend/alerts/${kind}`);
      for (const item of res.ok() ? ((await res.json()) as { id: string }[]) : []) {
        const del = await page.request.delete(`/api/backend/alerts/${kind}/${item.id}`);
        if (!del.ok()) console.warn(`cleanup of ${kind} ${item.id}: ${del.status()}`);
      }
    }
    await page.context().close();
  }
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

/** A webhook receiver on 127.0.0.1 that keeps every request and answers 200. */
async function startReceiver(): Promise<string> {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((r) => receiver!.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(receiver!.address() as AddressInfo).port}/hook`;
}

/** docs/alerts.md: hex HMAC-SHA256, keyed with the secret's text, of `{timestamp}.{raw body}`; fresh within 5 minutes. */
function verifies(secret: string, r: Received): boolean {
  const ts = String(r.headers["x-butler-timestamp"] ?? "");
  const sig = String(r.headers["x-butler-signature"] ?? "");
  const mac = createHmac("sha256", secret).update(`${ts}.`).update(r.body).digest("hex");
  const fresh = Math.abs(Date.now() / 1000 - Number(ts)) <= 300;
  return fresh && sig.length === mac.length && timingSafeEqual(Buffer.from(sig), Buffer.from(mac));
}

test("a user adds a webhook, sees its secret once, a test send arrives signed with it, adds a rule and sees the delivery in the history", async ({ browser }) => {
  const hookUrl = await startReceiver();
  page = await (await browser.newContext()).newPage();
  await signIn(page, USER);

  // Alerts is in the navigation.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts" }).click();
  await expect(page).toHaveURL(/\/alerts$/);
  await expect(page.getByRole("heading", { name: "Alerts", level: 1 })).toBeVisible();
  await expect(page.getByText("No channels yet")).toBeVisible();
  await expect(page.getByText("No alerts yet")).toBeVisible();

  // A URL the network policy refuses: the API's reason beside the field, no channel made.
  await page.getByRole("button", { name: "Add channel" }).click();
  const channelForm = page.getByRole("form", { name: "Add channel" });
  await channelForm.getByLabel("Name").fill("My receiver");
  await channelForm.getByLabel("URL").fill("http://169.254.169.254/latest");
  await channelForm.getByRole("button", { name: "Add channel" }).click();
  await expect(page.locator("#channel-url-error")).toHaveText(/link-local address, which EVM_RPC_ALLOW_NETWORKS does not allow/);
  await expect(channelForm.getByLabel("URL")).toHaveAttribute("aria-invalid", "true");

  // The receiver on loopback: created, and its secret shown this once.
  await channelForm.getByLabel("URL").fill(hookUrl);
  await channelForm.getByRole("button", { name: "Add channel" }).click();
  await expectToast(page, "Channel added");
  const panel = page.getByTestId("webhook-secret-panel");
  await expect(panel).toContainText("it will not be shown again");
  await expect(panel.getByRole("button", { name: "Copy" })).toBeVisible();
  const secret = (await page.getByTestId("webhook-secret").textContent())!.trim();
  expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
  const row = page.locator('[data-testid="channel-row"][data-channel="My receiver"]');
  await expect(row).toContainText("Webhook");
  await expect(row).toContainText("not private");
  await expect(row).toContainText("ok");
  await screenshot(page, "alerts-secret-once");

  // Send a test: the receiver gets one request whose signature verifies with the shown secret.
  await row.getByRole("button", { name: "Send a test" }).click();
  await expect(row.getByTestId("test-outcome")).toHaveText("Delivered: the receiver answered HTTP 200.");
  expect(received).toHaveLength(1);
  const test1 = received[0];
  expect(test1.headers["content-type"]).toMatch(/application\/json/);
  expect(verifies(secret, test1), "X-Butler-Signature verifies with the secret the page showed").toBe(true);
  expect(verifies(`${secret}x`, test1), "and not with another secret").toBe(false);
  const payload = JSON.parse(test1.body.toString("utf8")) as { type: string; title: string };
  expect(payload.type).toBe("alert.test");
  expect(payload.title).toBe("Test alert for My receiver");

  // Once dismissed, or after a reload, the secret is nowhere: the API never returns it again.
  await panel.getByRole("button", { name: "I have saved it" }).click();
  await expect(page.getByTestId("webhook-secret")).toHaveCount(0);
  await page.reload();
  await expect(row).toBeVisible();
  expect(await page.content()).not.toContain(secret);
  const listed = await page.request.get("/api/backend/alerts/channels");
  expect(await listed.text()).not.toContain(secret);

  // A rule: a price move of at least 10 %, to this channel, with a 30-minute cooldown.
  await page.getByRole("button", { name: "Add rule" }).click();
  const ruleForm = page.getByRole("form", { name: "Add rule" });
  await ruleForm.getByLabel("Name").fill("Big moves");
  await ruleForm.getByLabel("When").selectOption("price_move");
  await ruleForm.getByLabel("Move of at least (%)").fill("12.5");
  await expect(ruleForm.getByLabel("My receiver")).toBeChecked();
  await ruleForm.getByLabel("Cooldown (minutes)").fill("30");
  await ruleForm.getByRole("button", { name: "Add rule" }).click();
  await expectToast(page, "Rule added");
  const rule = page.locator('[data-testid="rule-row"][data-rule="Big moves"]');
  await expect(rule).toContainText("A held asset moving 12.5% or more in 24 h");
  await expect(rule).toContainText("To My receiver · cooldown 30 min");
  const rules = (await (await page.request.get("/api/backend/alerts/rules")).json()) as { kind: string; params: unknown; cooldown_secs: number; enabled: boolean }[];
  expect(rules).toMatchObject([{ kind: "price_move", params: { threshold_pct: "12.5" }, cooldown_secs: 1800, enabled: true }]);
  await rule.getByRole("button", { name: "Turn off" }).click();
  await expect(rule.getByTestId("rule-off")).toBeVisible();
  await rule.getByRole("button", { name: "Turn on" }).click();
  await expect(rule.getByTestId("rule-off")).toHaveCount(0);

  // The history: the test alert with its one attempt, delivered with HTTP 200, to this channel.
  const alert = page.locator('[data-testid="history-alert"][data-kind="test"]');
  await expect(alert).toHaveCount(1);
  await expect(alert).toContainText("Test alert for My receiver");
  const delivery = alert.getByTestId("delivery");
  await expect(delivery).toHaveCount(1);
  await expect(delivery).toHaveAttribute("data-status", "delivered");
  await expect(delivery).toContainText("My receiver");
  await expect(delivery).toContainText("delivered (HTTP 200)");
  await expect(delivery).toContainText(/ago\)|just now\)/);
  await screenshot(page, "alerts");

  // At phone width the page fits: nothing scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(alert.getByTestId("delivery")).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "the page scrolls sideways").toBeLessThanOrEqual(0);
  await screenshot(page, "alerts");
});
