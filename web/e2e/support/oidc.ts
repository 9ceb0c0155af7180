import { generateKeyPairSync, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import Provider, { type Configuration } from "oidc-provider";

export interface TestUser {
  id: string;
  username: string;
  password: string;
  email: string;
  name: string;
  roles: string[];
}

export interface IssuerOptions {
  port: number;
  realm: string;
  audience: string;
  clientId: string;
  clientSecret: string;
  webUrl: string;
  users: TestUser[];
  accessTokenTtl: number;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(action: string, error?: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sign in to butler</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:sans-serif;max-width:22rem;margin:4rem auto">
<h1 id="kc-header">Sign in to your account</h1>
${error ? `<p id="input-error" role="alert" style="color:#b91c1c">${esc(error)}</p>` : ""}
<form id="kc-form-login" method="post" action="${esc(action)}">
<p><label for="username">Username or email</label><br><input id="username" name="username" autocomplete="username" autofocus></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password"></p>
<p><button id="kc-login" type="submit">Sign In</button></p>
</form></body></html>`;
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (c) => (data += c));
    req.on("end", () => resolve(new URLSearchParams(data)));
    req.on("error", reject);
  });
}

/**
 * An OpenID provider in Keycloak's URL layout (`/realms/{realm}/protocol/openid-connect/...`)
 * issuing RS256 JWT access tokens for the API's audience, with realm roles as Keycloak puts them.
 */
export async function startIssuer(o: IssuerOptions): Promise<{ issuer: string; server: Server; close: () => Promise<void> }> {
  const prefix = `/realms/${o.realm}`;
  const issuer = `http://localhost:${o.port}${prefix}`;
  const resource = `urn:${o.audience}`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" };
  const users = new Map(o.users.map((u) => [u.id, u]));

  const configuration: Configuration = {
    clients: [
      {
        client_id: o.clientId,
        client_secret: o.clientSecret,
        redirect_uris: [`${o.webUrl}/api/auth/callback/keycloak`],
        post_logout_redirect_uris: [`${o.webUrl}/`],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomUUID()] },
    pkce: { required: () => true },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "preferred_username"] },
    conformIdTokenClaims: false,
    findAccount: async (_ctx, id) => {
      const u = users.get(id);
      if (!u) return undefined;
      return {
        accountId: id,
        claims: async () => ({ sub: id, email: u.email, email_verified: true, name: u.name, preferred_username: u.username }),
      };
    },
    extraTokenClaims: async (_ctx, token) => {
      if (token.kind !== "AccessToken") return undefined;
      const u = users.get((token as { accountId?: string }).accountId ?? "");
      if (!u) return undefined;
      return { realm_access: { roles: u.roles }, preferred_username: u.username, email: u.email, azp: o.clientId };
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: false,
    ttl: { AccessToken: o.accessTokenTtl, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 8 * 3600, Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600 },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => resource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async () => ({
          scope: "openid profile email",
          audience: o.audience,
          accessTokenTTL: o.accessTokenTtl,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
    routes: {
      authorization: "/protocol/openid-connect/auth",
      token: "/protocol/openid-connect/token",
      jwks: "/protocol/openid-connect/certs",
      userinfo: "/protocol/openid-connect/userinfo",
      end_session: "/protocol/openid-connect/logout",
      revocation: "/protocol/openid-connect/revoke",
      introspection: "/protocol/openid-connect/token/introspect",
    },
    interactions: { url: async (_ctx, interaction) => `${prefix}/login-actions/${interaction.uid}` },
  };

  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();
  const stats = { codeGrants: 0, refreshGrants: 0, grantErrors: 0 };
  provider.on("grant.success", (ctx) => {
    if (ctx.oidc.params?.grant_type === "refresh_token") stats.refreshGrants++;
    else stats.codeGrants++;
  });
  provider.on("grant.error", () => stats.grantErrors++);

  async function interaction(req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params, session } = details;
    const action = `${prefix}/login-actions/${details.uid}`;
    if (prompt.name === "login") {
      if (req.method !== "POST") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(loginPage(action));
        return;
      }
      const form = await readForm(req);
      const user = [...users.values()].find((u) => (u.username === form.get("username") || u.email === form.get("username")) && u.password === form.get("password"));
      if (!user) {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(loginPage(action, "Invalid username or password."));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
      return;
    }
    // Keycloak grants a first-party client's scopes without a consent screen.
    const grant = details.grantId
      ? (await provider.Grant.find(details.grantId))!
      : new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
    const d = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(" "));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(" "));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (!url.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    if (url === `${prefix}/__e2e/stats`) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(stats));
      return;
    }
    if (url.startsWith(`${prefix}/login-actions/`)) {
      interaction(req, res).catch((e) => {
        if (!res.headersSent) res.writeHead(400, { "content-type": "text/plain" });
        res.end(`interaction failed: ${(e as Error).message}`);
      });
      return;
    }
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
    req.url = url.slice(prefix.length) || "/";
    callback(req, res);
  });
  await new Promise<void>((resolve) => server.listen(o.port, "127.0.0.1", () => resolve()));
  return {
    issuer,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
