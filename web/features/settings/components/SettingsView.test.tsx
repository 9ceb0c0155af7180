import { render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me } from "@/lib/api/types";
import { jsonResponse, mockBackend, wrapperWithClient } from "@/test/utils";
import { SettingsView } from "./SettingsView";

afterEach(() => vi.unstubAllGlobals());

const ACCOUNT = "https://id.example.test/realms/butler/account/account-security/signing-in?referrer=butler-web";

function renderAs(me: Partial<Me>, accountSecurityUrl?: string) {
  mockBackend({ "GET /me": () => jsonResponse({ id: "11111111-1111-4111-8111-111111111111", is_admin: false, username: "bob", ...me }) });
  const { wrapper: Wrapper } = wrapperWithClient();
  render(
    <Wrapper>
      <SettingsView accountSecurityUrl={accountSecurityUrl} />
    </Wrapper>,
  );
}

describe("settings: two-factor sign-in", () => {
  it("links a Keycloak user to the account console's Signing in page", async () => {
    renderAs({ auth_mode: "keycloak" }, ACCOUNT);
    const link = await screen.findByTestId("two-factor-link");
    expect(link.getAttribute("href")).toBe(ACCOUNT);
    expect(screen.getByRole("heading", { name: "Two-factor sign-in" })).toBeTruthy();
  });

  it("says what is missing when the web server does not know Keycloak's address", async () => {
    renderAs({ auth_mode: "keycloak" });
    expect(await screen.findByText(/does not know the Keycloak address/)).toBeTruthy();
    expect(screen.queryByTestId("two-factor-link")).toBeNull();
  });

  it("offers nothing in local single-user mode, where nobody signs in", async () => {
    renderAs({ auth_mode: "local" }, ACCOUNT);
    expect(await screen.findByText("Local single-user mode (no sign-in)")).toBeTruthy();
    expect(screen.queryByRole("heading", { name: "Two-factor sign-in" })).toBeNull();
    expect(screen.queryByTestId("two-factor-link")).toBeNull();
  });
});
