import { act, renderHook, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "@/lib/api/client";
import { currentToasts, dismissToast } from "@/lib/toast";
import { account } from "@/test/fixtures";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { useCreateAccount } from "./create-account";
import { accountKeys, useAccounts } from "@/lib/api/get-accounts";
import { useSyncAccount } from "./sync-account";
import { batchSummary, getSyncBatch, setSyncBatch, useSyncAllAccounts } from "./sync-progress";

afterEach(() => {
  for (const t of currentToasts()) dismissToast(t.id);
  vi.unstubAllGlobals();
});

describe("account hooks", () => {
  it("useAccounts loads the list through /api/backend", async () => {
    const fetch = mockBackend({ "GET /accounts": () => jsonResponse([account()]) });
    const { wrapper } = wrapperWithClient();
    const { result } = renderHook(() => useAccounts(), { wrapper });
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(result.current.data?.[0].name).toBe("Cold wallet");
    expect(String(fetch.mock.calls[0][0])).toBe("/api/backend/accounts");
  });

  it("useAccounts exposes the API's error", async () => {
    mockBackend({ "GET /accounts": () => jsonResponse({ error: { code: "internal", message: "boom" }, request_id: "rq" }, 500) });
    const { wrapper } = wrapperWithClient();
    const { result } = renderHook(() => useAccounts(), { wrapper });
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(result.current.error).toBeInstanceOf(ApiError);
    expect((result.current.error as ApiError).requestId).toBe("rq");
  });

  it("useCreateAccount posts the body and keeps the validation errors by field", async () => {
    const fetch = mockBackend({
      "POST /accounts": () =>
        jsonResponse(
          {
            error: {
              code: "validation_failed",
              message: "invalid request",
              fields: [
                { field: "wallet_address", message: "must be 0x followed by 40 hex characters" },
                { field: "enabled_chains[0]", message: "unknown chain" },
              ],
            },
            request_id: "r",
          },
          422,
        ),
    });
    const { wrapper } = wrapperWithClient();
    const { result } = renderHook(() => useCreateAccount(), { wrapper });
    act(() => result.current.mutate({ name: "W", account_type: "wallet", wallet_address: "0x1", enabled_chains: ["nope"] }));
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(JSON.parse(String(fetch.mock.calls[0][1]?.body))).toEqual({ name: "W", account_type: "wallet", wallet_address: "0x1", enabled_chains: ["nope"] });
    expect((result.current.error as ApiError).fieldErrors()).toEqual({
      wallet_address: "must be 0x followed by 40 hex characters",
      "enabled_chains[0]": "unknown chain",
    });
    // The form shows these next to its fields: no toast repeats them.
    expect(currentToasts()).toEqual([]);
  });

  it("useCreateAccount toasts success and refetches the list", async () => {
    let listed = [] as ReturnType<typeof account>[];
    mockBackend({
      "GET /accounts": () => jsonResponse(listed),
      "POST /accounts": () => {
        listed = [account({ name: "New" })];
        return jsonResponse(listed[0], 201);
      },
    });
    const { wrapper } = wrapperWithClient();
    const { result } = renderHook(() => ({ list: useAccounts(), create: useCreateAccount() }), { wrapper });
    await waitFor(() => expect(result.current.list.data).toEqual([]));
    act(() => result.current.create.mutate({ name: "New", account_type: "wallet" }));
    await waitFor(() => expect(result.current.list.data?.map((a) => a.name)).toEqual(["New"]));
    expect(currentToasts().map((t) => t.message)).toContain("Account “New” added");
  });

  it("useCreateAccount follows the first sync the API started, and one toast names the account when it ends", async () => {
    const running = { account_id: "n1", account_name: "New", status: "running", queued_at: "2026-01-01T00:00:00Z", steps: [{ location: "flaky", status: "reading" }] };
    mockBackend({
      "GET /accounts": () => jsonResponse([]),
      "POST /accounts": () => jsonResponse(account({ id: "n1", name: "New" }), 201),
      "GET /accounts/sync-progress": () => jsonResponse([running]),
    });
    const { wrapper } = wrapperWithClient();
    const { result } = renderHook(() => useCreateAccount(), { wrapper });
    act(() => result.current.mutate({ name: "New", account_type: "wallet" }));
    await waitFor(() => expect(getSyncBatch()?.accountIds).toEqual(["n1"]));
    expect(
      batchSummary([{ ...running, status: "partial", steps: [{ location: "flaky", status: "failed", error: "evm:flaky answered HTTP 503" }] }]),
    ).toEqual({ kind: "warning", message: "“New” partly synced: Flaky: RPC answered with an error (HTTP 503)" });
    expect(batchSummary([{ ...running, status: "ok", steps: [] }])).toEqual({ kind: "success", message: "“New” synced" });
    setSyncBatch(null);
  });

  it("useCreateAccount follows nothing when no sync was started", async () => {
    mockBackend({
      "POST /accounts": () => jsonResponse(account({ id: "n2", name: "Off" }), 201),
      "GET /accounts/sync-progress": () => jsonResponse([]),
      "GET /accounts": () => jsonResponse([]),
    });
    const { wrapper } = wrapperWithClient();
    const { result } = renderHook(() => useCreateAccount(), { wrapper });
    act(() => result.current.mutate({ name: "Off", account_type: "manual" }));
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    await new Promise((r) => setTimeout(r, 50));
    expect(getSyncBatch()).toBeNull();
  });

  it("useSyncAccount replaces the account in the cached list and reports a failed sync", async () => {
    const before = account({ id: "a1", name: "OKX" });
    const after = account({ id: "a1", name: "OKX", last_sync_status: "error", last_sync_error: "OKX refused the key", last_synced_at: "2026-01-01T00:00:00Z" });
    mockBackend({ "GET /accounts": () => jsonResponse([before]), "POST /accounts/a1/sync": () => jsonResponse(after) });
    const { wrapper, client } = wrapperWithClient();
    const { result } = renderHook(() => ({ list: useAccounts(), sync: useSyncAccount() }), { wrapper });
    await waitFor(() => expect(result.current.list.isSuccess).toBe(true));
    act(() => result.current.sync.mutate("a1"));
    await waitFor(() => expect(result.current.sync.isSuccess).toBe(true));
    expect(client.getQueryData<typeof before[]>(accountKeys.list())?.[0].last_sync_error).toBe("OKX refused the key");
    expect(client.getQueryData(accountKeys.detail("a1"))).toEqual(after);
    expect(currentToasts().map((t) => [t.kind, t.message])).toContainEqual(["error", "Sync of “OKX” failed: OKX refused the key"]);
  });

  it("useSyncAccount warns in amber when the sync was partial, naming the failing location in words", async () => {
    const after = account({
      id: "a1",
      name: "Wallet",
      last_sync_status: "partial",
      last_sync_error: "base: evm:base did not answer in time",
      locations: [
        { location: "base", status: "failed", error: "evm:base did not answer in time", synced_at: null },
        { location: "ethereum", status: "ok", error: null, synced_at: "2026-01-01T00:00:00Z" },
      ],
    });
    mockBackend({ "POST /accounts/a1/sync": () => jsonResponse(after), "GET /accounts/sync-progress": () => jsonResponse([]) });
    const { wrapper } = wrapperWithClient();
    const { result } = renderHook(() => useSyncAccount(), { wrapper });
    act(() => result.current.mutate("a1"));
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(currentToasts().map((t) => [t.kind, t.message])).toEqual([["warning", "“Wallet” partly synced: Base: RPC timed out"]]);
  });

  it("useSyncAllAccounts answers at once and starts a batch the watcher follows", async () => {
    const fetch = mockBackend({
      "POST /accounts/sync-all/start": () =>
        jsonResponse([
          { account_id: "a", account_name: "A", status: "queued", queued_at: "2026-01-01T00:00:00Z", steps: [] },
          { account_id: "b", account_name: "B", status: "running", queued_at: "2026-01-01T00:00:00Z", steps: [{ location: "base", status: "reading" }] },
        ], 202),
      "GET /accounts/sync-progress": () => jsonResponse([]),
    });
    const { wrapper } = wrapperWithClient();
    const { result } = renderHook(() => useSyncAllAccounts(), { wrapper });
    act(() => result.current.mutate());
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(String(fetch.mock.calls[0][0])).toBe("/api/backend/accounts/sync-all/start");
    expect(getSyncBatch()?.accountIds).toEqual(["a", "b"]);
    expect(currentToasts()).toEqual([]);
    setSyncBatch(null);
  });

  it("a batch's summary is green only when every account was read fully", () => {
    const run = (account_name: string, status: string) => ({ account_id: account_name, account_name, status, queued_at: "", steps: [] });
    expect(batchSummary([run("A", "ok"), run("B", "ok")])).toEqual({ kind: "success", message: "Synced 2 accounts" });
    expect(batchSummary([run("A", "ok"), run("B", "partial")])).toEqual({ kind: "warning", message: "Synced 1 of 2 accounts fully; 1 partly (B)" });
    expect(batchSummary([run("A", "error"), run("B", "partial")]).kind).toBe("error");
  });
});
