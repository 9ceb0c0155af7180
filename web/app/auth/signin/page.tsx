import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInCard } from "@/features/auth/components/SignInCard";
import { auth, signIn } from "@/lib/auth/auth";
import { keycloakIssuer } from "@/lib/auth/env";
import { getAuthMode } from "@/lib/auth/mode";
import { safeCallbackUrl } from "@/lib/auth/redirect";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignInPage({ searchParams }: Props) {
  const sp = await searchParams;
  const callbackUrl = safeCallbackUrl(sp.callbackUrl);
  if ((await getAuthMode()) === "local") redirect(callbackUrl);
  const session = await auth();
  if (session?.user && !session.error && !sp.error) redirect(callbackUrl);

  async function start() {
    "use server";
    await signIn("keycloak", { redirectTo: callbackUrl });
  }

  return (
    <SignInCard
      action={start}
      configured={Boolean(keycloakIssuer())}
      error={typeof sp.error === "string" ? sp.error : undefined}
      expired={sp.reason === "expired" || session?.error !== undefined}
    />
  );
}
