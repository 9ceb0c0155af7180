import type { Metadata } from "next";
import { SettingsView } from "@/features/settings/components/SettingsView";
import { keycloakAccountSecurityUrl } from "@/lib/auth/env";

export const metadata: Metadata = { title: "Settings" };
// The identity provider's URL is read when the page is served, not when it is built.
export const dynamic = "force-dynamic";

export default function SettingsPage() {
  return <SettingsView accountSecurityUrl={keycloakAccountSecurityUrl()} />;
}
