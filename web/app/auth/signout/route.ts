import { NextResponse } from "next/server";
import { signOut } from "@/lib/auth/auth";
import { endSessionUrl } from "@/lib/auth/logout";

export const dynamic = "force-dynamic";

export async function POST(req: Request) {
  await signOut({ redirect: false });
  const home = new URL("/", process.env.AUTH_URL ?? req.url).toString();
  return NextResponse.redirect((await endSessionUrl(home)) ?? home, 303);
}

export function GET(req: Request) {
  return NextResponse.redirect(new URL("/settings", req.url), 303);
}
