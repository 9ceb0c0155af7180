import NextAuth from "next-auth";
import Keycloak from "next-auth/providers/keycloak";
import { authSecret, keycloakClient, keycloakIssuer, SESSION_MAX_AGE } from "./env";
import { ensureFreshTokens, type SessionTokens } from "./tokens";

declare module "next-auth" {
  interface Session {
    error?: SessionTokens["error"];
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => {
  const client = keycloakClient();
  return {
    secret: authSecret(),
    trustHost: true,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE },
    pages: { signIn: "/auth/signin", error: "/auth/signin" },
    providers: [
      Keycloak({
        issuer: keycloakIssuer(),
        clientId: client.id,
        clientSecret: client.secret,
        checks: ["pkce", "state"],
        authorization: { params: { scope: "openid profile email" } },
      }),
    ],
    callbacks: {
      // Tokens live only in the encrypted cookie; the session the browser can read carries none.
      async jwt({ token, account }) {
        if (account) {
          const extra = account as { refresh_expires_in?: number };
          const now = Math.floor(Date.now() / 1000);
          return {
            sub: token.sub,
            name: token.name,
            email: token.email,
            access_token: account.access_token,
            refresh_token: account.refresh_token,
            expires_at: account.expires_at ?? now + (account.expires_in ?? 300),
            refresh_expires_at: extra.refresh_expires_in ? now + Number(extra.refresh_expires_in) : undefined,
          };
        }
        return ensureFreshTokens(token as typeof token & SessionTokens);
      },
      async session({ session, token }) {
        const t = token as SessionTokens;
        return {
          expires: session.expires,
          user: { name: session.user?.name, email: session.user?.email },
          ...(t.error ? { error: t.error } : {}),
        } as typeof session;
      },
    },
  };
});
