import Link from "next/link";
import { Logo } from "@/components/Logo";

const messages: Record<string, string> = {
  Configuration: "Sign-in is not configured correctly on the server (check AUTH_KEYCLOAK_* and AUTH_SECRET).",
  AccessDenied: "Access was denied.",
  Verification: "The sign-in link is no longer valid.",
};

export function SignInCard({
  action,
  configured,
  error,
  expired,
}: {
  action: () => Promise<void>;
  configured: boolean;
  error?: string;
  expired?: boolean;
}) {
  return (
    <main className="grid min-h-screen place-items-center bg-slate-50 px-4 dark:bg-slate-950">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <div className="mb-6 flex items-center gap-3">
          <Logo className="h-10 w-10" />
          <div>
            <h1 className="text-xl font-bold">Sign in</h1>
            <p className="text-sm text-slate-600 dark:text-slate-400">Crypto Pocket Butler</p>
          </div>
        </div>
        {expired && !error && (
          <p role="status" className="mb-4 rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200">
            Your session has expired. Please sign in again.
          </p>
        )}
        {error && (
          <p role="alert" className="mb-4 rounded-md bg-rose-50 p-3 text-sm text-rose-900 dark:bg-rose-950 dark:text-rose-200">
            {messages[error] ?? "Sign-in failed. Please try again."}
          </p>
        )}
        {configured ? (
          <form action={action}>
            <button type="submit" className="w-full rounded-md bg-indigo-600 px-4 py-2.5 font-medium text-white hover:bg-indigo-500">
              Sign in with Keycloak
            </button>
          </form>
        ) : (
          <p className="text-sm text-slate-700 dark:text-slate-300">
            The API asks for sign-in, but this web server has no identity provider configured. Set <code>AUTH_KEYCLOAK_ISSUER</code>,{" "}
            <code>AUTH_KEYCLOAK_ID</code>, <code>AUTH_KEYCLOAK_SECRET</code> and <code>AUTH_SECRET</code>.
          </p>
        )}
        <p className="mt-6 text-center text-sm">
          <Link href="/" className="text-indigo-600 hover:underline dark:text-indigo-400">
            Back to home
          </Link>
        </p>
      </div>
    </main>
  );
}
