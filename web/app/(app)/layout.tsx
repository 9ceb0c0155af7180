import type { ReactNode } from "react";
import { AppShell } from "@/components/AppShell";
import { SyncWatcher } from "@/features/accounts/components/SyncWatcher";
import { FirstRunBanner } from "@/features/market/components/FirstRunBanner";

export default function AppLayout({ children }: { children: ReactNode }) {
  return (
    <AppShell
      banners={
        <>
          <FirstRunBanner />
          <SyncWatcher />
        </>
      }
    >
      {children}
    </AppShell>
  );
}
