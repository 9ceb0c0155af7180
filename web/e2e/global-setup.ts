import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Server } from "node:http";
import { startFlakyRpc } from "./support/flaky-rpc";
import { startFakeBinance } from "./support/binance";
import { startFakeMarket } from "./support/market";
import { freePort, waitForHttp } from "./support/net";
import { keycloakFromEnv, prepareKeycloak } from "./support/keycloak";
import { startIssuer } from "./support/oidc";
import { assertRunning, startProcess } from "./support/processes";
import { ADMIN, USER } from "./users";

const web = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(web, "..");
const logDir = join(web, "test-results", "logs");

const pgAdminUrl = process.env.E2E_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

function psql(sql: string) {
  execFileSync("psql", [pgAdminUrl, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], { stdio: ["ignore", "ignore", "inherit"] });
}

/** The journey's database on the same server as the admin URL (its own cluster when E2E_PG_ADMIN_URL names one). */
function databaseUrl(db: string): string {
  const u = new URL(pgAdminUrl);
  u.pathname = `/${db}`;
  return u.toString();
}

function anvilBin(): string {
  const candidates = [process.env.ANVIL_BIN, join(root, ".tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")].filter(Boolean) as string[];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error("anvil not found: run scripts/install-anvil.sh or set ANVIL_BIN");
  return found;
}

/**
 * Starts everything the journey needs, on loopback: a fresh PostgreSQL database, anvil, a fake
 * market-data server, the identity provider (the real Keycloak of scripts/keycloak.sh when
 * KEYCLOAK_TEST_URL names it, else oidc-provider in Keycloak's layout), the API (debug build) and the web
 * app's production build on :3001. Returns the teardown.
 */
export default async function globalSetup() {
  const stops: { name: string; stop: () => Promise<void> | void }[] = [];
  const teardown = async () => {
    for (const s of stops.reverse()) {
      try {
        await s.stop();
      } catch (e) {
        console.warn(`teardown of ${s.name} failed: ${(e as Error).message}`);
      }
    }
  };
  try {
    mkdirSync(logDir, { recursive: true });
    const apiBin = process.env.E2E_API_BIN ?? join(root, "target/debug/api");
    if (!existsSync(apiBin)) throw new Error(`${apiBin} is missing: run cargo build -p api`);
    if (!existsSync(join(web, ".next/BUILD_ID"))) throw new Error("web/.next is missing: run npm run build");
    const anvil = anvilBin();

    const webPort = Number(process.env.E2E_WEB_PORT ?? 3001);
    const webUrl = `http://localhost:${webPort}`;
    const [apiPort, oidcPort, marketPort, anvilPort, anvil2Port, flakyPort, binancePort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];

    const db = `butler_e2e_${Date.now()}_${process.pid}`;
    psql(`CREATE DATABASE "${db}"`);
    stops.push({ name: "database", stop: () => psql(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`) });

    const anvilProc = startProcess("anvil", anvil, ["--host", "127.0.0.1", "--port", String(anvilPort), "--chain-id", "31337", "--silent"], { logDir });
    stops.push({ name: "anvil", stop: anvilProc.stop });
    // A second chain (empty accounts) behind an RPC that can be made to fail: the journey's partly failed sync.
    const anvil2Proc = startProcess("anvil2", anvil, ["--host", "127.0.0.1", "--port", String(anvil2Port), "--chain-id", "31338", "--balance", "0", "--silent"], { logDir });
    stops.push({ name: "anvil2", stop: anvil2Proc.stop });
    const flaky: Server = await startFlakyRpc(flakyPort, `http://127.0.0.1:${anvil2Port}`);
    stops.push({ name: "flaky rpc", stop: () => new Promise<void>((r) => flaky.close(() => r())) });

    const market: Server = await startFakeMarket(marketPort);
    stops.push({ name: "market", stop: () => new Promise<void>((r) => market.close(() => r())) });

    const binance: Server = await startFakeBinance(binancePort);
    stops.push({ name: "binance", stop: () => new Promise<void>((r) => binance.close(() => r())) });

    const accessTokenTtl = Number(process.env.E2E_ACCESS_TOKEN_TTL ?? 75);
    // A real Keycloak when scripts/test.sh started one (KEYCLOAK_TEST_URL), else the stand-in.
    const kc = keycloakFromEnv();
    let idp: { issuer: string; server: string; clientSecret: string; stats: string };
    if (kc) {
      const realm = await prepareKeycloak(kc, { root, webUrl, users: [ADMIN, USER], accessTokenTtl });
      stops.push({ name: "keycloak stats", stop: realm.close });
      idp = { issuer: realm.issuer, server: kc.url, clientSecret: realm.clientSecret, stats: realm.statsUrl };
    } else {
      const oidc = await startIssuer({
        port: oidcPort,
        realm: "butler",
        audience: "butler-api",
        clientId: "butler-web",
        clientSecret: "butler-web-secret",
        webUrl,
        users: [ADMIN, USER],
        accessTokenTtl,
      });
      stops.push({ name: "oidc", stop: oidc.close });
      idp = {
        issuer: oidc.issuer,
        server: `http://127.0.0.1:${oidcPort}`,
        clientSecret: "butler-web-secret",
        stats: `http://127.0.0.1:${oidcPort}/realms/butler/__e2e/stats`,
      };
    }
    console.log(`e2e identity provider: ${kc ? "Keycloak" : "oidc-provider stand-in"} at ${idp.issuer}`);

    const dataDir = mkdtempSync(join(tmpdir(), "butler-e2e-"));
    stops.push({ name: "data dir", stop: () => rmSync(dataDir, { recursive: true, force: true }) });
    const apiEnv: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl(db),
      DATA_DIR: dataDir,
      BIND_ADDR: `127.0.0.1:${apiPort}`,
      KEYCLOAK_SERVER: idp.server,
      KEYCLOAK_REALM: "butler",
      KEYCLOAK_AUDIENCE: "butler-api",
      KEYCLOAK_ISSUER: idp.issuer,
      ENCRYPTION_MASTER_KEY: randomBytes(32).toString("hex"),
      COINGECKO_BASE_URL: `http://127.0.0.1:${marketPort}`,
      COINPAPRIKA_BASE_URL: `http://127.0.0.1:${marketPort}`,
      BINANCE_BASE_URL: `http://127.0.0.1:${binancePort}`,
      FETCH_ALL_COINS_ENABLED: "false",
      PRICE_COLLECTION_ENABLED: "false",
      ACCOUNT_SYNC_ENABLED: "false",
      // The test chain is an anvil on loopback: an operator running their own node allows it.
      EVM_RPC_ALLOW_NETWORKS: "loopback",
      // The journey and the trust spec trigger jobs and syncs within seconds of each other;
      // the limits themselves are proven by the API tests (limits.rs).
      RATE_LIMIT_JOB_TRIGGER_SECS: "1",
      RATE_LIMIT_SYNC_SECS: "1",
      RATE_LIMIT_SYNC_ALL_SECS: "1",
      EOD_SNAPSHOT_ENABLED: "false",
      EVM_RPC_RETRIES: "0",
      RUST_LOG: "info",
      LOG_FORMAT: "pretty",
    };
    const api = startProcess("api", apiBin, [], { env: apiEnv, cwd: dataDir, logDir });
    stops.push({ name: "api", stop: api.stop });
    await waitForHttp(`http://127.0.0.1:${apiPort}/health/ready`, 60_000, (s) => s === 200).catch((e) => {
      assertRunning(api);
      throw e;
    });

    const webEnv: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      API_URL: `http://127.0.0.1:${apiPort}`,
      AUTH_URL: webUrl,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      AUTH_TRUST_HOST: "true",
      AUTH_KEYCLOAK_ID: "butler-web",
      AUTH_KEYCLOAK_SECRET: idp.clientSecret,
      AUTH_KEYCLOAK_ISSUER: idp.issuer,
    };
    // The standalone server the build makes, started as `npm start` does (not `next start`).
    const next = startProcess("web", process.execPath, [join(web, "scripts/start.mjs"), "-H", "127.0.0.1", "-p", String(webPort)], { env: webEnv, cwd: web, logDir });
    stops.push({ name: "web", stop: next.stop });
    await waitForHttp(`http://127.0.0.1:${webPort}/`, 60_000).catch((e) => {
      assertRunning(next);
      throw e;
    });

    process.env.E2E_WEB_URL = webUrl;
    process.env.E2E_API_URL = `http://127.0.0.1:${apiPort}`;
    process.env.E2E_ANVIL_URL = `http://127.0.0.1:${anvilPort}`;
    process.env.E2E_MARKET_URL = `http://127.0.0.1:${marketPort}`;
    process.env.E2E_FLAKY_RPC_URL = `http://127.0.0.1:${flakyPort}`;
    process.env.E2E_DATABASE_URL = databaseUrl(db);
    process.env.E2E_OIDC_STATS = idp.stats;
    process.env.E2E_IDP = kc ? "keycloak" : "stand-in";
    return teardown;
  } catch (e) {
    await teardown();
    throw e;
  }
}
