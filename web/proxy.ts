import { NextResponse, type NextRequest } from "next/server";
import { getAuthMode } from "@/lib/auth/mode";
import { readSession } from "@/lib/auth/session-cookie";

/** Sends signed-out visitors of app pages to sign-in (keycloak mode only). */
export async function proxy(req: NextRequest) {
  if ((await getAuthMode()) === "local") return NextResponse.next();
  const session = await readSession(req);
  const now = Math.floor(Date.now() / 1000);
  const alive =
    session?.access_token &&
    !session.error &&
    !(session.refresh_expires_at && session.refresh_expires_at <= now && (session.expires_at ?? 0) <= now);
  if (alive) return NextResponse.next();
  const url = req.nextUrl.clone();
  url.pathname = "/auth/signin";
  url.search = "";
  url.searchParams.set("callbackUrl", req.nextUrl.pathname + req.nextUrl.search);
  if (session?.error) url.searchParams.set("reason", "expired");
  return NextResponse.redirect(url);
}

export const config = {
  matcher: ["/dashboard/:path*", "/accounts/:path*", "/portfolios/:path*", "/admin/:path*", "/settings/:path*", "/ledger/:path*"],
};
