import { decode, encode } from "next-auth/jwt";
import { authSecret, SESSION_MAX_AGE, sessionCookieName, secureCookies } from "./env";
import type { SessionTokens } from "./tokens";

// The same chunking NextAuth uses, so its own reader joins what we write.
const CHUNK_SIZE = 4096 - 160;

export type SessionJwt = SessionTokens & Record<string, unknown>;

function parseCookies(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    if (name) out.set(name, decodeURIComponent(part.slice(i + 1).trim()));
  }
  return out;
}

function sessionChunks(cookieHeader: string | null): [string, string][] {
  const name = sessionCookieName();
  const all = [...parseCookies(cookieHeader)].filter(([n]) => n === name || n.startsWith(`${name}.`));
  return all.sort(([a], [b]) => Number(a.split(".").pop() ?? 0) - Number(b.split(".").pop() ?? 0));
}

/** Decrypts the session cookie of a request (what `getToken()` does), or null. */
export async function readSession(req: Request): Promise<SessionJwt | null> {
  const secret = authSecret();
  if (!secret) return null;
  const chunks = sessionChunks(req.headers.get("cookie"));
  if (chunks.length === 0) return null;
  const whole = chunks.find(([n]) => n === sessionCookieName());
  const raw = whole ? whole[1] : chunks.map(([, v]) => v).join("");
  try {
    return (await decode({ token: raw, secret, salt: sessionCookieName() })) as SessionJwt | null;
  } catch {
    return null;
  }
}

function serialize(name: string, value: string, maxAge: number): string {
  const parts = [`${name}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${maxAge}`];
  if (maxAge > 0) parts.push(`Expires=${new Date(Date.now() + maxAge * 1000).toUTCString()}`);
  if (secureCookies()) parts.push("Secure");
  return parts.join("; ");
}

/** `Set-Cookie` values that replace the request's session cookie(s) with `token`. */
export async function sessionSetCookies(token: SessionJwt, req: Request): Promise<string[]> {
  const secret = authSecret();
  if (!secret) return [];
  const name = sessionCookieName();
  const { exp: _exp, iat: _iat, jti: _jti, ...claims } = token as Record<string, unknown>;
  const value = await encode({ token: claims, secret, salt: name, maxAge: SESSION_MAX_AGE });
  const fresh = new Map<string, string>();
  const count = Math.ceil(value.length / CHUNK_SIZE);
  if (count <= 1) fresh.set(name, value);
  else for (let i = 0; i < count; i++) fresh.set(`${name}.${i}`, value.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE));
  const out = [...fresh].map(([n, v]) => serialize(n, v, SESSION_MAX_AGE));
  for (const [old] of sessionChunks(req.headers.get("cookie"))) {
    if (!fresh.has(old)) out.push(serialize(old, "", 0));
  }
  return out;
}
