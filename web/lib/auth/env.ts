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
