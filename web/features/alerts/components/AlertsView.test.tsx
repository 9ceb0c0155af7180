import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { AlertsView } from "./AlertsView";

afterEach(() => vi.unstubAllGlobals());

const channel = (over: Record<string, unknown> = {}) => ({
  id: "ch-1",
  name: "Hook",
  kind: "webhook",
  url: "https://hooks.example.com/x",
  private: false,
  status: "ok",
  consecutive_failures: 0,
  failing_since: null,
  last_error: null,
  has_secret: true,
  created_at: "2026-12-07T12:00:00Z",
  ...over,
});
const rule = (over: Record<string, unknown> = {}) => ({
  id: "r-1",
  name: "Big moves",
  kind: "price_move",
  params: { threshold_pct: "10" },
  channel_ids: ["ch-1"],
  cooldown_secs: 3600,
  enabled: true,
  created_at: "2026-12-07T12:00:00Z",
  ...over,
});
const invalid = (fields: { field: string; message: string }[]) =>
  jsonResponse({ error: { code: "validation_failed", message: "invalid fields", fields }, request_id: "r" }, 422);

function renderView() {
  const { wrapper: Wrapper } = wrapperWithClient();
  render(<AlertsView />, { wrapper: Wrapper });
}

const base = {
  "GET /alerts/rules": () => jsonResponse([]),
  "GET /alerts/history": () => jsonResponse([]),
  "GET /accounts": () => jsonResponse([]),
  "GET /portfolios": () => jsonResponse([{ id: "pf-1", name: "Main" }]),
};

describe("AlertsView channels", () => {
  it("shows a webhook's secret once after it is added, and not after it is dismissed or the list is read again", async () => {
    let channels: unknown[] = [];
    const sent: unknown[] = [];
    mockBackend({
      ...base,
      "GET /alerts/channels": () => jsonResponse(channels),
      "POST /alerts/channels": ({ body }) => {
        sent.push(body);
        channels = [channel()];
        return jsonResponse({ ...channel(), secret: "whsec_abc123" }, 201);
      },
    });
    renderView();
    await screen.findByText("No channels yet");
    fireEvent.click(screen.getByRole("button", { name: "Add channel" }));
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Hook" } });
    fireEvent.change(screen.getByLabelText("URL"), { target: { value: "https://hooks.example.com/x" } });
    fireEvent.click(within(screen.getByRole("form", { name: "Add channel" })).getByRole("button", { name: "Add channel" }));
    expect((await screen.findByTestId("webhook-secret")).textContent).toBe("whsec_abc123");
    expect(screen.getByTestId("webhook-secret-panel").textContent).toMatch(/will not be shown again/);
    expect(sent).toEqual([{ name: "Hook", kind: "webhook", url: "https://hooks.example.com/x", private: false }]);
    await screen.findByTestId("channel-row");
    fireEvent.click(screen.getByRole("button", { name: "I have saved it" }));
    expect(screen.queryByTestId("webhook-secret")).toBeNull();
    expect(document.body.textContent).not.toContain("whsec_abc123");
  });

  it("shows the API's field errors beside the fields, never a blank failure", async () => {
    mockBackend({
      ...base,
      "GET /alerts/channels": () => jsonResponse([]),
      "POST /alerts/channels": () => invalid([{ field: "url", message: "points to a loopback address, which EVM_RPC_ALLOW_NETWORKS does not allow" }]),
    });
    renderView();
    await screen.findByText("No channels yet");
    fireEvent.click(screen.getByRole("button", { name: "Add channel" }));
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Hook" } });
    fireEvent.change(screen.getByLabelText("URL"), { target: { value: "http://127.0.0.1:9/x" } });
    fireEvent.click(within(screen.getByRole("form", { name: "Add channel" })).getByRole("button", { name: "Add channel" }));
    const url = screen.getByLabelText("URL");
    await waitFor(() => expect(url.getAttribute("aria-invalid")).toBe("true"));
    expect(document.getElementById("channel-url-error")?.textContent).toBe("Points to a loopback address, which EVM_RPC_ALLOW_NETWORKS does not allow");
    expect(screen.queryByTestId("webhook-secret")).toBeNull();
  });

  it("says in words how a test send went, and shows a failing channel", async () => {
    mockBackend({
      ...base,
      "GET /alerts/channels": () => jsonResponse([channel({ status: "failing", failing_since: "2026-12-07T11:00:00Z", last_error: "HTTP 503" })]),
      "POST /alerts/channels/ch-1/test": () => jsonResponse({ alert_id: "a-1", delivered: false, http_status: 503, error: null, channel: channel({ status: "failing" }) }),
    });
    renderView();
    await screen.findByTestId("channel-failing");
    fireEvent.click(screen.getByRole("button", { name: "Send a test" }));
    expect((await screen.findByTestId("test-outcome")).textContent).toBe("Not delivered: the receiver answered HTTP 503.");
  });
});

describe("AlertsView rules", () => {
  it("sends a rule's kind, parameters, channels and cooldown as the API takes them, and shows its field errors beside the fields", async () => {
    const sent: unknown[] = [];
    mockBackend({
      ...base,
      "GET /alerts/channels": () => jsonResponse([channel(), channel({ id: "ch-2", name: "Phone", kind: "ntfy" })]),
      "POST /alerts/rules": ({ body }) => {
        sent.push(body);
        return invalid([
          { field: "params.portfolio_id", message: "no such portfolio of yours" },
          { field: "channel_ids[0]", message: "no such channel of yours" },
        ]);
      },
    });
    renderView();
    await screen.findByText("No rules yet");
    fireEvent.click(screen.getByRole("button", { name: "Add rule" }));
    const form = within(screen.getByRole("form", { name: "Add rule" }));
    fireEvent.change(form.getByLabelText("Name"), { target: { value: "Drifting" } });
    fireEvent.change(form.getByLabelText("When"), { target: { value: "drift" } });
    // Nothing picked: the form says so before sending.
    fireEvent.click(form.getByRole("button", { name: "Add rule" }));
    expect(await form.findByText("Pick a portfolio.")).toBeTruthy();
    expect(form.getByText("Pick at least one channel.")).toBeTruthy();
    expect(sent).toEqual([]);
    fireEvent.change(form.getByLabelText("Portfolio"), { target: { value: "pf-1" } });
    fireEvent.click(form.getByLabelText("Phone"));
    fireEvent.change(form.getByLabelText("Cooldown (minutes)"), { target: { value: "90" } });
    fireEvent.click(form.getByRole("button", { name: "Add rule" }));
    expect(await form.findByText("No such portfolio of yours")).toBeTruthy();
    expect(form.getByText("No such channel of yours")).toBeTruthy();
    expect(sent).toEqual([{ name: "Drifting", kind: "drift", params: { portfolio_id: "pf-1" }, channel_ids: ["ch-2"], cooldown_secs: 5400, enabled: true }]);
  });

  it("turns a rule off by sending it back whole with enabled false", async () => {
    const sent: unknown[] = [];
    mockBackend({
      ...base,
      "GET /alerts/channels": () => jsonResponse([channel()]),
      "GET /alerts/rules": () => jsonResponse([rule()]),
      "PUT /alerts/rules/r-1": ({ body }) => {
        sent.push(body);
        return jsonResponse(rule({ enabled: false }));
      },
    });
    renderView();
    const row = within(await screen.findByTestId("rule-row"));
    expect(row.getByText("A held asset moving 10% or more in 24 h")).toBeTruthy();
    expect(row.getByText(/To Hook · cooldown 1 h/)).toBeTruthy();
    fireEvent.click(row.getByRole("button", { name: "Turn off" }));
    await row.findByTestId("rule-off");
    expect(sent).toEqual([{ name: "Big moves", kind: "price_move", params: { threshold_pct: "10" }, channel_ids: ["ch-1"], cooldown_secs: 3600, enabled: false }]);
  });
});

describe("AlertsView history", () => {
  it("lists alerts newest first with each attempt's time, channel and outcome", async () => {
    mockBackend({
      ...base,
      "GET /alerts/channels": () => jsonResponse([channel()]),
      "GET /alerts/history": () =>
        jsonResponse([
          { id: "a-old", rule_id: null, kind: "test", state: "test", subject: "ch-1", title: "Older", message: "m", data: {}, created_at: "2026-12-07T10:00:00Z", deliveries: [] },
          {
            id: "a-new",
            rule_id: "r-1",
            kind: "price_move",
            state: "triggered",
            subject: "asset",
            title: "Big moves: BTC moved +25% in 24 h",
            message: "BTC is at 125 USD",
            data: {},
            created_at: "2026-12-07T12:00:00Z",
            deliveries: [
              { channel_id: "ch-1", attempt: 2, status: "delivered", http_status: 200, error: null, at: "2026-12-07T12:00:04Z" },
              { channel_id: "ch-1", attempt: 1, status: "failed", http_status: 503, error: null, at: "2026-12-07T12:00:00Z" },
              { channel_id: "ch-gone", attempt: 1, status: "failed", http_status: null, error: "timed out", at: "2026-12-07T12:00:00Z" },
            ],
          },
        ]),
    });
    renderView();
    await screen.findAllByTestId("history-alert");
    const alerts = screen.getAllByTestId("history-alert");
    expect(alerts.map((a) => a.dataset.kind)).toEqual(["price_move", "test"]);
    const rows = within(alerts[0]).getAllByTestId("delivery").map((r) => r.textContent);
    expect(rows[0]).toMatch(/Hook.*1.*failed \(HTTP 503\)/);
    expect(rows[1]).toMatch(/a deleted channel.*failed \(timed out\)/);
    expect(rows[2]).toMatch(/Hook.*2.*delivered \(HTTP 200\)/);
    expect(alerts[0].textContent).toMatch(/ago\)/);
    expect(within(alerts[1]).getByText("No delivery attempt yet.")).toBeTruthy();
  });
});
