import { apiUrl, keycloakIssuer } from "./env";

export type AuthMode = "local" | "keycloak";

const TTL_MS = 30_000;
let cached: { mode: AuthMode; at: number } | null = null;

/**
 * Whether the web needs a sign-in. `BUTLER_AUTH_MODE` forces it; otherwise the API is asked
 * (`GET /api/me` without a token answers 200 with `auth_mode: "local"` only in local mode).
 */
export async function getAuthMode(): Promise<AuthMode> {
  const forced = process.env.BUTLER_AUTH_MODE;
  if (forced === "local" || forced === "keycloak") return forced;
  if (cached && Date.now() - cached.at < TTL_MS) return cached.mode;
  try {
    const res = await fetch(`${apiUrl()}/api/me`, {
      cache: "no-store",
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(3000),
    });
    let mode: AuthMode = "keycloak";
    if (res.ok) {
      const body = (await res.json().catch(() => null)) as { auth_mode?: string } | null;
      if (body?.auth_mode === "local") mode = "local";
    } else {
      await res.body?.cancel();
    }
    cached = { mode, at: Date.now() };
    return mode;
  } catch {
    return keycloakIssuer() ? "keycloak" : "local";
  }
}

export function resetAuthModeCache() {
  cached = null;
}
