import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { TestUser } from "./oidc";

/** A running real Keycloak (scripts/keycloak.sh start; `scripts/keycloak.sh env` names it). */
export interface KeycloakEnv {
  url: string;
  admin: string;
  adminPassword: string;
  home: string;
}

export function keycloakFromEnv(): KeycloakEnv | null {
  const url = process.env.KEYCLOAK_TEST_URL;
  if (!url) return null;
  return {
    url: url.replace(/\/+$/, ""),
    admin: process.env.KEYCLOAK_TEST_ADMIN ?? "admin",
    adminPassword: process.env.KEYCLOAK_TEST_ADMIN_PASSWORD ?? "",
    home: process.env.KEYCLOAK_TEST_HOME ?? "",
  };
}

export interface PreparedRealm {
  /** The issuer as the browser and the web server see it. */
  issuer: string;
  clientSecret: string;
  /** Serves {refreshGrants, grantErrors} from Keycloak's events, like the stand-in's stats. */
  statsUrl: string;
  close: () => Promise<void>;
}

/** A call to the realm `butler`'s admin REST API: the parsed JSON answer, or throws with the status. */
export type KeycloakAdmin = (method: string, path: string, body?: unknown) => Promise<unknown>;

/** The admin REST API of the realm `butler`, as the master realm's admin (logs in again when the token expired). */
export function keycloakAdmin(kc: KeycloakEnv): KeycloakAdmin {
  let token: string | undefined;
  const login = async (): Promise<string> => {
    const res = await fetch(`${kc.url}/realms/master/protocol/openid-connect/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "password", client_id: "admin-cli", username: kc.admin, password: kc.adminPassword }),
    });
    const body = (await res.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`Keycloak admin login failed: ${res.status}`);
    return body.access_token;
  };
  const call = async (method: string, path: string, body: unknown, fresh: boolean): Promise<unknown> => {
    if (!token || fresh) token = await login();
    const res = await fetch(`${kc.url}/admin/realms/butler${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status === 401 && !fresh) return call(method, path, body, true);
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return (method, path, body) => call(method, path, body, false);
}

/**
 * (Re)creates a user of the realm `butler` with a permanent password, as an admin does in the
 * console; `requiredActions` (e.g. CONFIGURE_TOTP) run at their next sign-in. Returns its id.
 */
export async function createUser(admin: KeycloakAdmin, u: TestUser, o: { requiredActions?: string[] } = {}): Promise<string> {
  const byName = `/users?username=${encodeURIComponent(u.username)}&exact=true`;
  for (const old of (await admin("GET", byName)) as { id: string }[]) await admin("DELETE", `/users/${old.id}`);
  const [first, ...rest] = u.name.split(" ");
  await admin("POST", "/users", {
    username: u.username,
    email: u.email,
    firstName: first,
    lastName: rest.join(" ") || first,
    enabled: true,
    emailVerified: true,
    requiredActions: o.requiredActions ?? [],
    credentials: [{ type: "password", value: u.password, temporary: false }],
  });
  const [created] = (await admin("GET", byName)) as { id: string }[];
  if (u.roles.includes("admin")) {
    const adminRole = await admin("GET", "/roles/admin");
    await admin("POST", `/users/${created.id}/role-mappings/realm`, [adminRole]);
  }
  return created.id;
}

/**
 * Fits the realm of a real Keycloak to this run, as a deployment would: keycloak/init.sh (kcadm)
 * sets the web client's secret and URLs; the admin REST API sets a short access-token lifespan,
 * records token events, and creates the journey's users.
 */
export async function prepareKeycloak(
  kc: KeycloakEnv,
  o: { root: string; webUrl: string; users: TestUser[]; accessTokenTtl: number },
): Promise<PreparedRealm> {
  // Browsers treat http://localhost as a secure context (Keycloak's cookies need that over http).
  const browserBase = kc.url.replace("://127.0.0.1", "://localhost");
  const issuer = `${browserBase}/realms/butler`;
  const started = Date.now();

  const admin = keycloakAdmin(kc);

  const clientSecret = randomBytes(32).toString("hex");
  execFileSync("bash", [`${o.root}/keycloak/init.sh`], {
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      KEYCLOAK_DEMO_USERS: "false",
      // Each kcadm call is a short-lived JVM: skip the optimizing compiler.
      KC_OPTS: "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData",
      KCADM: `${kc.home}/bin/kcadm.sh`,
      KEYCLOAK_URL: kc.url,
      KEYCLOAK_ADMIN: kc.admin,
      KEYCLOAK_ADMIN_PASSWORD: kc.adminPassword,
      KEYCLOAK_CLIENT_SECRET: clientSecret,
      WEB_URL: o.webUrl,
    },
  });

  const realm = (await admin("GET", "")) as Record<string, unknown>;
  await admin("PUT", "", {
    ...realm,
    accessTokenLifespan: o.accessTokenTtl,
    eventsEnabled: true,
    enabledEventTypes: ["REFRESH_TOKEN", "REFRESH_TOKEN_ERROR", "CODE_TO_TOKEN", "CODE_TO_TOKEN_ERROR", "LOGIN", "LOGOUT"],
  });

  for (const u of o.users) await createUser(admin, u);

  const stats: Server = createServer(async (_req, res) => {
    try {
      const events = (await admin("GET", `/events?client=butler-web&max=10000`)) as { type: string; time: number }[];
      const recent = events.filter((e) => e.time >= started);
      const count = (types: string[]) => recent.filter((e) => types.includes(e.type)).length;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ refreshGrants: count(["REFRESH_TOKEN"]), grantErrors: count(["REFRESH_TOKEN_ERROR", "CODE_TO_TOKEN_ERROR"]) }));
    } catch (e) {
      res.statusCode = 500;
      res.end(String(e));
    }
  });
  await new Promise<void>((r) => stats.listen(0, "127.0.0.1", () => r()));
  const addr = stats.address();
  const statsUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/stats`;

  return {
    issuer,
    clientSecret,
    statsUrl,
    close: () => new Promise<void>((r) => stats.close(() => r())),
  };
}
