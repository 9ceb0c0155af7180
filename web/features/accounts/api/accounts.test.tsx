import { act, renderHook, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "@/lib/api/client";
import { currentToasts, dismissToast } from "@/lib/toast";
import { account } from "@/test/fixtures";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { useCreateAccount } from "./create-account";
import { accountKeys, useAccounts } from "./get-accounts";
import { useSyncAccount } from "./sync-account";
import { useSyncAllAccounts } from "./sync-all-accounts";

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
    expect(currentToasts().map((t) => [t.kind, t.message])).toEqual([["error", "Could not add the account: check the highlighted fields"]]);
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
    expect(currentToasts().map((t) => t.message)).toContain("Sync of “OKX” failed: OKX refused the key");
  });

  it("useSyncAllAccounts summarises the results", async () => {
    mockBackend({
      "POST /accounts/sync-all": () =>
        jsonResponse([
          { account_id: "a", name: "A", status: "ok" },
          { account_id: "b", name: "B", status: "error", error: "timeout" },
        ]),
    });
    const { wrapper } = wrapperWithClient();
    const { result } = renderHook(() => useSyncAllAccounts(), { wrapper });
    act(() => result.current.mutate());
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(currentToasts().map((t) => t.message)).toContain("Synced 1 of 2 accounts; 1 failed");
  });
});
