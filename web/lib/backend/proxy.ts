import { apiUrl } from "@/lib/auth/env";
import { getAuthMode } from "@/lib/auth/mode";
import { readSession, sessionSetCookies } from "@/lib/auth/session-cookie";
import { ensureFreshTokens } from "@/lib/auth/tokens";

const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
];
const DROPPED_RESPONSE = [...HOP_BY_HOP, "content-encoding", "content-length", "set-cookie"];
const FORWARDED_REQUEST = ["accept", "accept-language", "content-type", "if-none-match", "if-match", "x-request-id"];

function errorResponse(status: number, code: string, message: string, extra?: HeadersInit): Response {
  const request_id = crypto.randomUUID();
  const headers = new Headers(extra);
  headers.set("content-type", "application/json");
  headers.set("x-request-id", request_id);
  headers.set("cache-control", "no-store");
  return new Response(JSON.stringify({ error: { code, message }, request_id }), { status, headers });
}

function upstreamUrl(req: Request, path: string[]): string | null {
  if (path.length === 0 || path.some((s) => s === "" || s === "." || s === "..")) return null;
  const search = new URL(req.url).search;
  return `${apiUrl()}/api/${path.map(encodeURIComponent).join("/")}${search}`;
}

/**
 * Forwards one request under `/api/backend/*` to the API's `/api/*`, with the signed-in user's
 * access token read (and refreshed when close to expiry) from the encrypted session cookie.
 */
export async function forwardToApi(req: Request, path: string[]): Promise<Response> {
  const url = upstreamUrl(req, path);
  if (!url) return errorResponse(404, "not_found", "No such API route");

  const headers = new Headers();
  for (const name of FORWARDED_REQUEST) {
    const v = req.headers.get(name);
    if (v) headers.set(name, v);
  }
  const setCookies: string[] = [];

  if ((await getAuthMode()) === "keycloak") {
    const session = await readSession(req);
    if (!session?.access_token) {
      return errorResponse(401, "unauthenticated", "Sign in to continue");
    }
    const fresh = await ensureFreshTokens(session);
    if (fresh.error || !fresh.access_token) {
      return errorResponse(401, "session_expired", "Your session has expired: sign in again");
    }
    if (fresh.access_token !== session.access_token) {
      setCookies.push(...(await sessionSetCookies(fresh, req)));
    }
    headers.set("authorization", `Bearer ${fresh.access_token}`);
  }

  const method = req.method.toUpperCase();
  const hasBody = !["GET", "HEAD", "OPTIONS"].includes(method) && req.body !== null;
  let upstream: Response;
  try {
    upstream = await fetch(url, {
      method,
      headers,
      body: hasBody ? req.body : undefined,
      redirect: "manual",
      cache: "no-store",
      signal: req.signal,
      // Streams a request body through without buffering it.
      ...(hasBody ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (e) {
    if (req.signal?.aborted) return errorResponse(499, "client_closed", "The request was cancelled");
    console.warn(`API unreachable at ${apiUrl()}: ${(e as Error).message}`);
    return errorResponse(502, "bad_gateway", "The API cannot be reached right now", setCookieHeaders(setCookies));
  }

  const out = new Headers();
  upstream.headers.forEach((value, key) => {
    if (!DROPPED_RESPONSE.includes(key.toLowerCase())) out.append(key, value);
  });
  out.set("cache-control", upstream.headers.get("cache-control") ?? "no-store");
  for (const c of setCookies) out.append("set-cookie", c);
  const body = method === "HEAD" || [204, 205, 304].includes(upstream.status) ? null : upstream.body;
  return new Response(body, { status: upstream.status, statusText: upstream.statusText, headers: out });
}

function setCookieHeaders(cookies: string[]): Headers {
  const h = new Headers();
  for (const c of cookies) h.append("set-cookie", c);
  return h;
}
