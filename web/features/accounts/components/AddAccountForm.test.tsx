import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { account } from "@/test/fixtures";
import { AddAccountForm } from "./AddAccountForm";

afterEach(() => vi.unstubAllGlobals());

const chains = [{ id: "c1", chain_name: "ethereum", chain_id: 1, display_name: "Ethereum", native_symbol: "ETH", native_decimals: 18 }];
// As GET /api/exchanges answers it.
const exchanges = [
  {
    name: "okx",
    display_name: "OKX",
    credentials: [
      { field: "api_key", label: "API key" },
      { field: "api_secret", label: "Secret key" },
      { field: "passphrase", label: "Passphrase" },
    ],
    locations: ["trading", "funding", "earn", "staked"],
  },
  {
    name: "binance",
    display_name: "Binance",
    credentials: [
      { field: "api_key", label: "API key" },
      { field: "api_secret", label: "Secret key" },
    ],
    locations: ["spot", "funding", "earn"],
  },
];

describe("AddAccountForm", () => {
  it("shows the API's validation errors next to their fields", async () => {
    mockBackend({
      "GET /chains": () => jsonResponse(chains),
      "POST /accounts": () =>
        jsonResponse(
          {
            error: {
              code: "validation_failed",
              message: "invalid",
              fields: [
                { field: "wallet_address", message: "not an EIP-55 checksum" },
                { field: "enabled_chains", message: "pick at least one chain" },
              ],
            },
            request_id: "r",
          },
          422,
        ),
    });
    const { wrapper: Wrapper } = wrapperWithClient();
    render(<AddAccountForm />, { wrapper: Wrapper });
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "W" } });
    fireEvent.change(screen.getByLabelText("Wallet address"), { target: { value: "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266" } });
    fireEvent.click(screen.getByRole("button", { name: "Add wallet" }));
    await waitFor(() => expect(screen.getByText("Not an EIP-55 checksum")).toBeTruthy());
    expect(screen.getByLabelText("Wallet address").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByLabelText("Wallet address").getAttribute("aria-describedby")).toBe("wallet-address-error");
    expect(document.getElementById("wallet-address-error")?.textContent).toBe("Not an EIP-55 checksum");
    expect(document.getElementById("enabled-chains-error")?.textContent).toBe("Pick at least one chain");
  });

  it("sends an OKX account with its key, secret and passphrase", async () => {
    const fetch = mockBackend({
      "GET /chains": () => jsonResponse(chains),
      "GET /exchanges": () => jsonResponse(exchanges),
      "POST /accounts": () => jsonResponse(account({ name: "OKX", account_type: "exchange" }), 201),
    });
    const onDone = vi.fn();
    const { wrapper: Wrapper } = wrapperWithClient();
    render(<AddAccountForm onDone={onDone} />, { wrapper: Wrapper });
    fireEvent.click(screen.getByRole("radio", { name: "Exchange" }));
    await waitFor(() => expect(screen.getByLabelText("Exchange")).toBeTruthy());
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "OKX" } });
    fireEvent.change(screen.getByLabelText("API key"), { target: { value: " key " } });
    fireEvent.change(screen.getByLabelText("Secret key"), { target: { value: "secret" } });
    fireEvent.change(screen.getByLabelText("Passphrase"), { target: { value: "pass phrase" } });
    fireEvent.click(screen.getByRole("button", { name: "Add OKX account" }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    const post = fetch.mock.calls.find((c) => c[1]?.method === "POST")!;
    expect(JSON.parse(String(post[1]?.body))).toEqual({
      name: "OKX",
      account_type: "exchange",
      exchange_name: "okx",
      api_key: "key",
      api_secret: "secret",
      passphrase: "pass phrase",
    });
  });

  it("offers the exchanges the API lists and asks only for the fields each one needs", async () => {
    const fetch = mockBackend({
      "GET /chains": () => jsonResponse(chains),
      "GET /exchanges": () => jsonResponse(exchanges),
      "POST /accounts": () => jsonResponse(account({ name: "Binance", account_type: "exchange" }), 201),
    });
    const onDone = vi.fn();
    const { wrapper: Wrapper } = wrapperWithClient();
    render(<AddAccountForm onDone={onDone} />, { wrapper: Wrapper });
    fireEvent.click(screen.getByRole("radio", { name: "Exchange" }));
    await waitFor(() => expect(screen.getByLabelText("Exchange")).toBeTruthy());
    const options = Array.from((screen.getByLabelText("Exchange") as HTMLSelectElement).options).map((o) => o.textContent);
    expect(options).toEqual(["OKX", "Binance"]);
    fireEvent.change(screen.getByLabelText("Exchange"), { target: { value: "binance" } });
    expect(screen.queryByLabelText("Passphrase")).toBeNull();
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Binance" } });
    fireEvent.change(screen.getByLabelText("API key"), { target: { value: "bkey" } });
    fireEvent.change(screen.getByLabelText("Secret key"), { target: { value: "bsecret" } });
    fireEvent.click(screen.getByRole("button", { name: "Add Binance account" }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    const post = fetch.mock.calls.find((c) => c[1]?.method === "POST")!;
    expect(JSON.parse(String(post[1]?.body))).toEqual({
      name: "Binance",
      account_type: "exchange",
      exchange_name: "binance",
      api_key: "bkey",
      api_secret: "bsecret",
    });
  });

  it("sends a Solana wallet with its family and no chain list, and shows why an address is refused", async () => {
    let refuse = true;
    const fetch = mockBackend({
      "GET /chains": () => jsonResponse(chains),
      "POST /accounts": () =>
        refuse
          ? jsonResponse(
              {
                error: {
                  code: "validation_failed",
                  message: "invalid",
                  fields: [{ field: "wallet_address", message: "not a Solana address: it decodes to 29 bytes, not the 32 of a Solana public key" }],
                },
                request_id: "r",
              },
              422,
            )
          : jsonResponse(account({ name: "Phantom", chain_family: "solana" }), 201),
    });
    const onDone = vi.fn();
    const { wrapper: Wrapper } = wrapperWithClient();
    render(<AddAccountForm onDone={onDone} />, { wrapper: Wrapper });
    fireEvent.click(screen.getByRole("radio", { name: "Solana wallet" }));
    expect(screen.queryByText("Chains")).toBeNull();
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Phantom" } });
    fireEvent.change(screen.getByLabelText("Wallet address"), { target: { value: " 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYt " } });
    fireEvent.click(screen.getByRole("button", { name: "Add Solana wallet" }));
    await waitFor(() => expect(document.getElementById("wallet-address-error")?.textContent).toContain("not the 32"));
    refuse = false;
    fireEvent.change(screen.getByLabelText("Wallet address"), { target: { value: "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM" } });
    fireEvent.click(screen.getByRole("button", { name: "Add Solana wallet" }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    const posts = fetch.mock.calls.filter((c) => c[1]?.method === "POST");
    expect(JSON.parse(String(posts[1][1]?.body))).toEqual({
      name: "Phantom",
      account_type: "wallet",
      chain_family: "solana",
      wallet_address: "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
    });
  });

});
