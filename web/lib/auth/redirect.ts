/** A same-site path to return to after sign-in, never another origin. */
export function safeCallbackUrl(v: string | string[] | undefined, fallback = "/dashboard"): string {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return fallback;
  if (s.startsWith("/") && !s.startsWith("//") && !s.startsWith("/\\")) return s;
  try {
    const u = new URL(s);
    const own = process.env.AUTH_URL ? new URL(process.env.AUTH_URL).origin : null;
    if (own && u.origin === own) return u.pathname + u.search;
  } catch {
    /* not a URL */
  }
  return fallback;
}
