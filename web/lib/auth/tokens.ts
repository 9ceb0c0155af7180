import { keycloakClient, keycloakIssuer } from "./env";

/** What the encrypted session cookie holds besides NextAuth's own claims. */
export interface SessionTokens {
  access_token?: string;
  refresh_token?: string;
  /** Seconds since the epoch. */
  expires_at?: number;
  refresh_expires_at?: number;
  error?: "RefreshTokenError" | "SessionExpired";
}

/** Refresh when the access token has less than this left (Keycloak's tokens live 300 s). */
export const REFRESH_MARGIN_SECONDS = 60;

const nowSeconds = () => Math.floor(Date.now() / 1000);

export function needsRefresh(t: SessionTokens, now = nowSeconds()): boolean {
  return typeof t.expires_at !== "number" || t.expires_at - REFRESH_MARGIN_SECONDS <= now;
}

let endpointCache: { issuer: string; endpoint: Promise<string> } | null = null;

async function tokenEndpoint(issuer: string): Promise<string> {
  if (endpointCache?.issuer !== issuer) {
    const endpoint = fetch(`${issuer}/.well-known/openid-configuration`, { cache: "no-store" })
      .then(async (r) => {
        if (!r.ok) throw new Error(`discovery answered ${r.status}`);
        const doc = (await r.json()) as { token_endpoint?: string };
        return doc.token_endpoint ?? `${issuer}/protocol/openid-connect/token`;
      })
      .catch((e) => {
        endpointCache = null;
        throw e;
      });
    endpointCache = { issuer, endpoint };
  }
  return endpointCache.endpoint;
}

interface TokenResponse {
  access_token: string;
  expires_in?: number;
  refresh_token?: string;
  refresh_expires_in?: number;
}

async function callTokenEndpoint(refreshToken: string): Promise<SessionTokens> {
  const issuer = keycloakIssuer();
  if (!issuer) throw new Error("AUTH_KEYCLOAK_ISSUER is not set");
  const { id, secret } = keycloakClient();
  const basic = Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64");
  const res = await fetch(await tokenEndpoint(issuer), {
    method: "POST",
    cache: "no-store",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", authorization: `Basic ${basic}` },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`token refresh answered ${res.status}`);
  const t = (await res.json()) as TokenResponse;
  const now = nowSeconds();
  return {
    access_token: t.access_token,
    expires_at: now + (t.expires_in ?? 300),
    refresh_token: t.refresh_token ?? refreshToken,
    refresh_expires_at: t.refresh_expires_in ? now + t.refresh_expires_in : undefined,
  };
}

// One refresh per refresh token: parallel requests share it, and callers that still hold the
// old cookie for a few seconds after reuse the result instead of spending the token again.
const inflight = new Map<string, Promise<SessionTokens>>();

export function refreshTokens(refreshToken: string): Promise<SessionTokens> {
  const existing = inflight.get(refreshToken);
  if (existing) return existing;
  const p = callTokenEndpoint(refreshToken);
  inflight.set(refreshToken, p);
  p.then(
    () => setTimeout(() => inflight.delete(refreshToken), 15_000).unref?.(),
    () => inflight.delete(refreshToken),
  );
  return p;
}

/** The token with a live access token, or with `error` set when the session cannot go on. */
export async function ensureFreshTokens<T extends SessionTokens>(token: T): Promise<T> {
  if (token.error) return token;
  if (!needsRefresh(token)) return token;
  const now = nowSeconds();
  if (!token.refresh_token || (token.refresh_expires_at && token.refresh_expires_at <= now)) {
    return { ...token, error: "SessionExpired" };
  }
  try {
    const fresh = await refreshTokens(token.refresh_token);
    return { ...token, ...fresh, error: undefined };
  } catch (e) {
    console.warn("access token refresh failed:", (e as Error).message);
    return { ...token, error: "RefreshTokenError" };
  }
}

export function resetTokenCaches() {
  inflight.clear();
  endpointCache = null;
}
