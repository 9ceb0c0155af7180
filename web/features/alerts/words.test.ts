import { describe, expect, it } from "vitest";
import type { AlertHistoryItem } from "@/lib/api/types";
import { deliveryOutcome, historyInOrder, testOutcome } from "./words";

describe("testOutcome", () => {
  it("says delivered or not, with the receiver's answer or the error", () => {
    expect(testOutcome({ delivered: true, http_status: 200, error: null })).toBe("Delivered: the receiver answered HTTP 200.");
    expect(testOutcome({ delivered: true, http_status: null, error: null })).toBe("Delivered.");
    expect(testOutcome({ delivered: false, http_status: 503, error: null })).toBe("Not delivered: the receiver answered HTTP 503.");
    expect(testOutcome({ delivered: false, http_status: null, error: "connection refused" })).toBe("Not delivered: connection refused.");
    expect(testOutcome({ delivered: false, http_status: 401, error: "unauthorized." })).toBe("Not delivered: the receiver answered HTTP 401; unauthorized.");
    expect(testOutcome({ delivered: false, http_status: null, error: null })).toMatch(/Not delivered/);
  });
});

describe("deliveryOutcome", () => {
  it("names the status with its HTTP code or error", () => {
    expect(deliveryOutcome({ status: "delivered", http_status: 200, error: null })).toBe("delivered (HTTP 200)");
    expect(deliveryOutcome({ status: "failed", http_status: 503, error: "server error" })).toBe("failed (HTTP 503, server error)");
    expect(deliveryOutcome({ status: "failed", http_status: null, error: "timed out" })).toBe("failed (timed out)");
    expect(deliveryOutcome({ status: "skipped", http_status: null, error: null })).toBe("skipped (the channel is failing)");
  });
});

describe("historyInOrder", () => {
  const alert = (id: string, at: string, deliveries: AlertHistoryItem["deliveries"] = []): AlertHistoryItem => ({
    id,
    rule_id: null,
    kind: "test",
    state: "test",
    subject: "s",
    title: id,
    message: "",
    data: {},
    created_at: at,
    deliveries,
  });
  const d = (attempt: number, at: string) => ({ channel_id: "c", attempt, status: "failed", http_status: 503, error: null, at });

  it("puts the newest alert first and each alert's attempts in the order they were made", () => {
    const out = historyInOrder([
      alert("old", "2026-12-07T10:00:00Z"),
      alert("new", "2026-12-07T12:00:00Z", [d(2, "2026-12-07T12:00:04Z"), d(1, "2026-12-07T12:00:00Z")]),
      alert("mid", "2026-12-07T11:00:00Z"),
    ]);
    expect(out.map((a) => a.id)).toEqual(["new", "mid", "old"]);
    expect(out[0].deliveries.map((x) => x.attempt)).toEqual([1, 2]);
  });
});
