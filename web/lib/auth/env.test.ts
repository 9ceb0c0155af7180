import { afterEach, describe, expect, it, vi } from "vitest";
import { keycloakAccountSecurityUrl } from "./env";

afterEach(() => vi.unstubAllEnvs());

describe("keycloakAccountSecurityUrl", () => {
  it("is the account console's Signing in page of the issuer's realm, with a way back to the web client", () => {
    vi.stubEnv("AUTH_KEYCLOAK_ISSUER", "https://id.example.test/realms/butler/");
    vi.stubEnv("AUTH_KEYCLOAK_ID", "butler-web");
    expect(keycloakAccountSecurityUrl()).toBe("https://id.example.test/realms/butler/account/account-security/signing-in?referrer=butler-web");
  });

  it("is unknown without an issuer", () => {
    vi.stubEnv("AUTH_KEYCLOAK_ISSUER", "");
    expect(keycloakAccountSecurityUrl()).toBeUndefined();
  });
});
