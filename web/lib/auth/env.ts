/** Server-side settings, read at call time so tests and `next start` can set them. */
export function apiUrl(): string {
  return (process.env.API_URL || "http://127.0.0.1:3000").replace(/\/+$/, "");
}

export function authSecret(): string | undefined {
  return process.env.AUTH_SECRET || process.env.NEXTAUTH_SECRET || undefined;
}

export function keycloakIssuer(): string | undefined {
  return process.env.AUTH_KEYCLOAK_ISSUER?.replace(/\/+$/, "") || undefined;
}

/**
 * Keycloak's account console at "Signing in", where a user sets up an authenticator app (the path
 * the console of Keycloak 26.7.3 serves; older ones used `#/security/signingin`). `referrer`
 * makes it show a link back to the web client's base URL.
 */
export function keycloakAccountSecurityUrl(): string | undefined {
  const issuer = keycloakIssuer();
  if (!issuer) return undefined;
  const u = new URL(`${issuer}/account/account-security/signing-in`);
  const client = keycloakClient().id;
  if (client) u.searchParams.set("referrer", client);
  return u.toString();
}

export function keycloakClient(): { id: string; secret: string } {
  return { id: process.env.AUTH_KEYCLOAK_ID ?? "", secret: process.env.AUTH_KEYCLOAK_SECRET ?? "" };
}

export function secureCookies(): boolean {
  return (process.env.AUTH_URL ?? process.env.NEXTAUTH_URL ?? "").startsWith("https://");
}

export function sessionCookieName(): string {
  return `${secureCookies() ? "__Secure-" : ""}authjs.session-token`;
}

/** Session lifetime of the encrypted cookie (NextAuth's default: 30 days). */
export const SESSION_MAX_AGE = 30 * 24 * 60 * 60;
