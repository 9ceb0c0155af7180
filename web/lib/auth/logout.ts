import { keycloakClient, keycloakIssuer } from "./env";

/** The identity provider's logout URL (RP-initiated logout), so the next sign-in asks again. */
export async function endSessionUrl(postLogoutRedirect: string): Promise<string | null> {
  const issuer = keycloakIssuer();
  if (!issuer) return null;
  try {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, { cache: "no-store", signal: AbortSignal.timeout(3000) });
    if (!res.ok) return null;
    const { end_session_endpoint } = (await res.json()) as { end_session_endpoint?: string };
    if (!end_session_endpoint) return null;
    const u = new URL(end_session_endpoint);
    u.searchParams.set("client_id", keycloakClient().id);
    u.searchParams.set("post_logout_redirect_uri", postLogoutRedirect);
    return u.toString();
  } catch {
    return null;
  }
}
