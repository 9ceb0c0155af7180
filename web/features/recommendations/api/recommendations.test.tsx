import { act, renderHook, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { currentToasts, dismissToast } from "@/lib/toast";
import { recommendation } from "@/test/fixtures";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { useCreateRecommendation } from "./create-recommendation";
import { useRecommendations } from "./get-recommendations";

const P = "22222222-2222-4222-8222-222222222222";

afterEach(() => {
  for (const t of currentToasts()) dismissToast(t.id);
  vi.unstubAllGlobals();
});

describe("recommendation hooks", () => {
  it("useCreateRecommendation puts the new recommendation first", async () => {
    const old = recommendation({ id: "old" });
    const fresh = recommendation({
      id: "new",
      trades: [{ side: "sell", asset_id: null, symbol: "ETH", quantity: "1", usd_amount: "3000", reason: "over band", accounts: [] }],
    });
    let list = [old];
    mockBackend({
      [`GET /portfolios/${P}/recommendations`]: () => jsonResponse(list),
      [`POST /portfolios/${P}/recommendations`]: () => {
        list = [fresh, old];
        return jsonResponse(fresh, 201);
      },
    });
    const { wrapper } = wrapperWithClient();
    const { result } = renderHook(() => ({ list: useRecommendations(P), create: useCreateRecommendation() }), { wrapper });
    await waitFor(() => expect(result.current.list.isSuccess).toBe(true));
    act(() => result.current.create.mutate(P));
    await waitFor(() => expect(result.current.list.data?.map((r) => r.id)).toEqual(["new", "old"]));
    expect(currentToasts().map((t) => t.message)).toContain("1 trade recommended");
  });

  it("useCreateRecommendation shows the new recommendation when the list's first load was still on its way", async () => {
    const fresh = recommendation({ id: "new", status: "incomplete", trades: [] });
    // The first GET was answered before the POST, but its answer arrives after the POST's.
    let release!: () => void;
    const late = new Promise<void>((r) => (release = r));
    let gets = 0;
    let posted = false;
    mockBackend({
      [`GET /portfolios/${P}/recommendations`]: async () => {
        gets++;
        if (gets === 1) {
          await late;
          return jsonResponse([]);
        }
        return jsonResponse([fresh]);
      },
      [`POST /portfolios/${P}/recommendations`]: () => {
        posted = true;
        return jsonResponse(fresh, 201);
      },
    });
    const { wrapper } = wrapperWithClient();
    const { result } = renderHook(() => ({ list: useRecommendations(P), create: useCreateRecommendation() }), { wrapper });
    await waitFor(() => expect(gets).toBe(1));
    act(() => result.current.create.mutate(P));
    await waitFor(() => expect(posted).toBe(true));
    await new Promise((r) => setTimeout(r, 50)); // the POST's answer is handled
    release();
    await waitFor(() => expect(result.current.create.isSuccess).toBe(true));
    await waitFor(() => expect(result.current.list.isFetching).toBe(false));
    expect(result.current.list.data?.map((r) => r.id)).toEqual(["new"]);
  });
});
