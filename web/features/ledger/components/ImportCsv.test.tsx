import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { account } from "@/test/fixtures";
import { jsonResponse, wrapperWithClient } from "@/test/utils";
import { ImportCsv } from "./ImportCsv";

afterEach(() => vi.unstubAllGlobals());

const CSV = "date,kind,received_quantity,received_asset,value_usd\n2024-02-01,income,0.01,ETH,25.10\n2024-02-30,deposit,1,ETH,\n";

describe("ImportCsv", () => {
  it("previews the file sent as CSV, shows each bad line with its reason, and keeps the import disabled saying why", async () => {
    const calls: { url: string; body: unknown; type: string | undefined }[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init?: RequestInit) => {
        calls.push({ url, body: init?.body, type: (init?.headers as Record<string, string>)["content-type"] });
        return jsonResponse({
          account_id: "a1",
          format: "generic",
          committed: false,
          added: 0,
          to_add: [{ lines: [2], external_id: "x", kind: "income", occurred_at: "2024-02-01T00:00:00Z", received: { asset_id: "eth", symbol: "ETH", quantity: "0.01" }, value_usd: "25.10", income_kind: "staking" }],
          duplicates: [],
          errors: [{ line: 3, reason: "the date 2024-02-30 is not a day" }],
          skipped: [],
        });
      }),
    );
    const { wrapper: Wrapper } = wrapperWithClient();
    render(<ImportCsv accounts={[account({ id: "a1", name: "Book" })]} />, { wrapper: Wrapper });
    const file = new File([CSV], "ledger.csv", { type: "text/csv" });
    fireEvent.change(screen.getByLabelText("CSV file"), { target: { files: [file] } });

    await waitFor(() => expect(calls.length).toBe(1));
    expect((await screen.findByTestId("import-errors")).textContent).toContain("Line 3: the date 2024-02-30 is not a day");
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe("/api/backend/ledger/import?account_id=a1&format=generic&commit=false");
    expect(calls[0].body).toBe(CSV);
    expect(calls[0].type).toBe("text/csv");
    const button = screen.getByRole("button", { name: "Import 1 entry" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(screen.getByTestId("import-why").textContent).toMatch(/1 line has an error/);
    fireEvent.click(button);
    await waitFor(() => expect(calls).toHaveLength(1));
  });
});
