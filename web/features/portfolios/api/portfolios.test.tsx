import { act, renderHook, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useTimeline } from "@/lib/api/get-timeline";
import { currentToasts, dismissToast } from "@/lib/toast";
import { allocation, portfolio } from "@/test/fixtures";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { useAllocation } from "@/lib/api/get-allocation";
import { useLinkAccount } from "./link-account";
import { useUpdatePortfolio } from "./update-portfolio";

const P = "22222222-2222-4222-8222-222222222222";

afterEach(() => {
  for (const t of currentToasts()) dismissToast(t.id);
  vi.unstubAllGlobals();
});

describe("portfolio hooks", () => {
  it("useAllocation waits for an id", async () => {
    const fetch = mockBackend({ [`GET /portfolios/${P}/allocation`]: () => jsonResponse(allocation()) });
    const { wrapper } = wrapperWithClient();
    const { result, rerender } = renderHook(({ id }: { id?: string }) => useAllocation(id), { wrapper, initialProps: {} });
    expect(result.current.fetchStatus).toBe("idle");
    expect(fetch).not.toHaveBeenCalled();
    rerender({ id: P });
    await waitFor(() => expect(result.current.data?.total_value_usd).toBe("1000"));
  });

  it("useTimeline passes the date range as query parameters", async () => {
    const fetch = mockBackend({ [`GET /portfolios/${P}/snapshots/timeline`]: () => jsonResponse([{ date: "2026-01-01", total_value_usd: "5", snapshot_type: "eod" }]) });
    const { wrapper } = wrapperWithClient();
    const { result } = renderHook(() => useTimeline(P, { from: "2026-01-01", to: undefined }), { wrapper });
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(String(fetch.mock.calls[0][0])).toBe(`/api/backend/portfolios/${P}/snapshots/timeline?from=2026-01-01`);
  });

  it("useUpdatePortfolio stores the answer and refetches the allocation", async () => {
    let allocationCalls = 0;
    mockBackend({
      [`PUT /portfolios/${P}`]: ({ body }) => jsonResponse(portfolio({ name: (body as { name: string }).name })),
      [`GET /portfolios/${P}/allocation`]: () => {
        allocationCalls++;
        return jsonResponse(allocation());
      },
    });
    const { wrapper, client } = wrapperWithClient();
    const { result } = renderHook(() => ({ alloc: useAllocation(P), update: useUpdatePortfolio() }), { wrapper });
    await waitFor(() => expect(result.current.alloc.isSuccess).toBe(true));
    act(() => result.current.update.mutate({ id: P, body: { name: "Renamed" } }));
    await waitFor(() => expect(result.current.update.isSuccess).toBe(true));
    expect(client.getQueryData<{ name: string }>(["portfolios", P])?.name).toBe("Renamed");
    await waitFor(() => expect(allocationCalls).toBe(2));
    expect(currentToasts().map((t) => t.message)).toContain("Portfolio saved");
  });

  it("useLinkAccount posts the account id", async () => {
    const fetch = mockBackend({ [`POST /portfolios/${P}/accounts`]: () => jsonResponse(portfolio({ account_ids: ["a1"] })) });
    const { wrapper } = wrapperWithClient();
    const { result } = renderHook(() => useLinkAccount(), { wrapper });
    act(() => result.current.mutate({ portfolioId: P, accountId: "a1" }));
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(JSON.parse(String(fetch.mock.calls[0][1]?.body))).toEqual({ account_id: "a1" });
  });
});
