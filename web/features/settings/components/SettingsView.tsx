"use client";

import { useEffect, useState } from "react";
import { QueryState } from "@/components/states";
import { Badge, Card, PageHeader, cx } from "@/components/ui";
import { useMe } from "@/lib/api/get-me";
import { readTheme, saveTheme, type Theme } from "@/lib/theme";
import { toast } from "@/lib/toast";

const themes: { value: Theme; label: string }[] = [
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
  { value: "system", label: "System" },
];

function ThemePicker() {
  const [theme, setTheme] = useState<Theme>("system");
  useEffect(() => setTheme(readTheme()), []);
  return (
    <div role="radiogroup" aria-label="Theme" className="inline-flex rounded-md border border-slate-300 p-0.5 dark:border-slate-600">
      {themes.map((t) => (
        <button
          key={t.value}
          type="button"
          role="radio"
          aria-checked={theme === t.value}
          onClick={() => {
            saveTheme(t.value);
            setTheme(t.value);
            toast.success(`Theme: ${t.label.toLowerCase()}`);
          }}
          className={cx(
            "rounded px-4 py-1.5 text-sm font-medium",
            theme === t.value ? "bg-indigo-600 text-white" : "text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800",
          )}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

/** Keycloak asks for a one-time code after the password once the user has set up an authenticator app. */
function TwoFactorCard({ accountSecurityUrl }: { accountSecurityUrl?: string }) {
  return (
    <Card title="Two-factor sign-in">
      <p className="text-sm text-slate-600 dark:text-slate-400">
        Sign in with a one-time code from an authenticator app (Google Authenticator, Microsoft Authenticator, FreeOTP…) as well as your password. You set it up, and remove it, in your
        Keycloak account under Signing in; from then on Keycloak asks for a code after your password.
      </p>
      {accountSecurityUrl ? (
        <a
          href={accountSecurityUrl}
          data-testid="two-factor-link"
          className="mt-4 inline-block rounded-md border border-slate-300 px-3 py-2 text-sm font-medium text-indigo-700 hover:bg-slate-50 dark:border-slate-600 dark:text-indigo-300 dark:hover:bg-slate-800"
        >
          Set up two-factor sign-in in Keycloak
        </a>
      ) : (
        <p className="mt-4 text-sm text-slate-600 dark:text-slate-400">
          This web server does not know the Keycloak address (<code>AUTH_KEYCLOAK_ISSUER</code>): open your Keycloak account page from your administrator.
        </p>
      )}
    </Card>
  );
}

/** `accountSecurityUrl`: Keycloak's account console at "Signing in", when the web knows the issuer. */
export function SettingsView({ accountSecurityUrl }: { accountSecurityUrl?: string }) {
  const me = useMe();
  return (
    <>
      <PageHeader title="Settings" />
      <div className="grid gap-6 md:grid-cols-2">
        <Card title="Your account">
          <QueryState query={me} loadingLabel="Loading…">
            {(u) => (
              <dl className="grid grid-cols-[6rem_minmax(0,1fr)] gap-x-2 gap-y-2 text-sm sm:grid-cols-[8rem_minmax(0,1fr)]">
                <dt className="text-slate-500">Username</dt>
                <dd data-testid="settings-username">{u.username ?? "—"}</dd>
                <dt className="text-slate-500">Email</dt>
                <dd className="break-all">{u.email ?? "—"}</dd>
                <dt className="text-slate-500">Role</dt>
                <dd>{u.is_admin ? <Badge tone="blue">Admin</Badge> : <Badge>User</Badge>}</dd>
                <dt className="text-slate-500">Sign-in</dt>
                <dd>{u.auth_mode === "local" ? "Local single-user mode (no sign-in)" : "Keycloak"}</dd>
                <dt className="text-slate-500">User id</dt>
                <dd className="break-all font-mono text-xs">{u.id}</dd>
              </dl>
            )}
          </QueryState>
          {me.data?.auth_mode === "keycloak" && (
            <form method="post" action="/auth/signout" className="mt-4">
              <button type="submit" className="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-50 dark:border-slate-600 dark:hover:bg-slate-800">
                Sign out
              </button>
            </form>
          )}
        </Card>
        {me.data?.auth_mode === "keycloak" && <TwoFactorCard accountSecurityUrl={accountSecurityUrl} />}
        <Card title="Appearance">
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">Saved in this browser.</p>
          <ThemePicker />
        </Card>
      </div>
    </>
  );
}
