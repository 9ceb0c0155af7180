// @vitest-environment node
import { encode, decode } from "next-auth/jwt";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GET, POST, DELETE, PUT } from "@/app/api/backend/[...path]/route";
import { resetAuthModeCache } from "@/lib/auth/mode";
import { resetTokenCaches } from "@/lib/auth/tokens";

const SECRET = "test-secret-test-secret-test-secret!";
const COOKIE = "authjs.session-token";
const now = () => Math.floor(Date.now() / 1000);

async function sessionCookie(claims: Record<string, unknown>) {
  return `${COOKIE}=${await encode({ token: claims, secret: SECRET, salt: COOKIE })}`;
}

function ctx(...path: string[]) {
  return { params: Promise.resolve({ path }) };
}

type Call = { url: string; init: RequestInit & { duplex?: string } };

function stubFetch(handler: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: Call[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = String(input);
      calls.push({ url, init });
      return handler(url, init);
    }),
  );
  return calls;
}

beforeEach(() => {
  process.env.AUTH_SECRET = SECRET;
  process.env.API_URL = "http://api.test:3000";
  process.env.BUTLER_AUTH_MODE = "keycloak";
  process.env.AUTH_KEYCLOAK_ISSUER = "http://idp.test/realms/butler";
  process.env.AUTH_KEYCLOAK_ID = "butler-web";
  process.env.AUTH_KEYCLOAK_SECRET = "s3cret";
  delete process.env.AUTH_URL;
  resetAuthModeCache();
  resetTokenCaches();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("/api/backend/[...path]", () => {
  it("forwards a GET with its query string and the session's access token", async () => {
    const calls = stubFetch(() => new Response(JSON.stringify([{ id: "a" }]), { status: 200, headers: { "content-type": "application/json", "x-request-id": "r1" } }));
    const cookie = await sessionCookie({ sub: "u1", access_token: "AT-1", refresh_token: "RT-1", expires_at: now() + 300 });
    const res = await GET(new Request("http://localhost:3001/api/backend/assets?search=eth&limit=5", { headers: { cookie, accept: "application/json" } }), ctx("assets"));

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ id: "a" }]);
    expect(res.headers.get("x-request-id")).toBe("r1");
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe("http://api.test:3000/api/assets?search=eth&limit=5");
    const sent = new Headers(calls[0].init.headers);
    expect(sent.get("authorization")).toBe("Bearer AT-1");
    expect(sent.get("cookie")).toBeNull();
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("forwards the method and body of a POST, PUT and DELETE", async () => {
    const calls = stubFetch(async (_url, init) => {
      const text = init.body ? await new Response(init.body as BodyInit).text() : "";
      return new Response(JSON.stringify({ echoed: text, method: init.method }), { status: 201, headers: { "content-type": "application/json" } });
    });
    const cookie = await sessionCookie({ access_token: "AT", expires_at: now() + 300 });
    const body = JSON.stringify({ name: "Main", target_allocation: [{ asset: "BTC", target_pct: "50" }] });
    const post = await POST(new Request("http://localhost:3001/api/backend/portfolios", { method: "POST", body, headers: { cookie, "content-type": "application/json" } }), ctx("portfolios"));
    expect(post.status).toBe(201);
    expect(await post.json()).toEqual({ echoed: body, method: "POST" });
    expect(calls[0].init.duplex).toBe("half");
    expect(new Headers(calls[0].init.headers).get("content-type")).toBe("application/json");

    const put = await PUT(new Request("http://localhost:3001/api/backend/portfolios/p1", { method: "PUT", body: "{}", headers: { cookie } }), ctx("portfolios", "p1"));
    expect((await put.json()).method).toBe("PUT");
    expect(calls[1].url).toBe("http://api.test:3000/api/portfolios/p1");

    stubFetch(() => new Response(null, { status: 204 }));
    const del = await DELETE(new Request("http://localhost:3001/api/backend/accounts/a1", { method: "DELETE", headers: { cookie } }), ctx("accounts", "a1"));
    expect(del.status).toBe(204);
  });

  it("passes error answers through and drops hop-by-hop and encoding headers", async () => {
    const apiError = { error: { code: "validation_failed", message: "invalid", fields: [{ field: "wallet_address", message: "bad" }] }, request_id: "x" };
    stubFetch(
      () =>
        new Response(JSON.stringify(apiError), {
          status: 422,
          headers: { "content-type": "application/json", "content-encoding": "gzip", "content-length": "999", connection: "keep-alive", "set-cookie": "evil=1" },
        }),
    );
    const cookie = await sessionCookie({ access_token: "AT", expires_at: now() + 300 });
    const res = await POST(new Request("http://localhost:3001/api/backend/accounts", { method: "POST", body: "{}", headers: { cookie } }), ctx("accounts"));
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual(apiError);
    for (const h of ["content-encoding", "content-length", "connection", "set-cookie"]) expect(res.headers.get(h)).toBeNull();
  });

  it("answers 502 in the API's error shape when the API cannot be reached", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    stubFetch(() => {
      throw new TypeError("fetch failed");
    });
    const cookie = await sessionCookie({ access_token: "AT", expires_at: now() + 300 });
    const res = await GET(new Request("http://localhost:3001/api/backend/accounts", { headers: { cookie } }), ctx("accounts"));
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.error.code).toBe("bad_gateway");
    expect(typeof body.request_id).toBe("string");
  });

  it("answers 401 without a session and never calls the API", async () => {
    const calls = stubFetch(() => new Response("{}"));
    const res = await GET(new Request("http://localhost:3001/api/backend/me"), ctx("me"));
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("unauthenticated");
    expect(calls).toHaveLength(0);

    const forged = await GET(new Request("http://localhost:3001/api/backend/me", { headers: { cookie: `${COOKIE}=not-a-jwe` } }), ctx("me"));
    expect(forged.status).toBe(401);
  });

  it("refreshes an access token close to expiry and stores the new one in the cookie", async () => {
    const calls = stubFetch(async (url, init) => {
      if (url.endsWith("/.well-known/openid-configuration")) return Response.json({ token_endpoint: "http://idp.test/realms/butler/protocol/openid-connect/token" });
      if (url.endsWith("/token")) {
        const form = new URLSearchParams(String(init.body));
        expect(form.get("grant_type")).toBe("refresh_token");
        expect(form.get("refresh_token")).toBe("RT-old");
        expect(new Headers(init.headers).get("authorization")).toBe(`Basic ${Buffer.from("butler-web:s3cret").toString("base64")}`);
        return Response.json({ access_token: "AT-new", expires_in: 300, refresh_token: "RT-new", refresh_expires_in: 1800 });
      }
      return Response.json({ ok: true });
    });
    const cookie = await sessionCookie({ sub: "u1", access_token: "AT-old", refresh_token: "RT-old", expires_at: now() + 10 });
    const res = await GET(new Request("http://localhost:3001/api/backend/me", { headers: { cookie } }), ctx("me"));

    expect(res.status).toBe(200);
    const apiCall = calls.find((c) => c.url === "http://api.test:3000/api/me")!;
    expect(new Headers(apiCall.init.headers).get("authorization")).toBe("Bearer AT-new");
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^authjs\.session-token=/);
    expect(setCookie).toContain("HttpOnly");
    const stored = await decode({ token: setCookie.split(";")[0].split("=")[1], secret: SECRET, salt: COOKIE });
    expect(stored).toMatchObject({ sub: "u1", access_token: "AT-new", refresh_token: "RT-new" });
  });

  it("answers 401 session_expired when the refresh is refused", async () => {
    stubFetch((url) => {
      if (url.endsWith("/.well-known/openid-configuration")) return Response.json({ token_endpoint: "http://idp.test/token" });
      if (url.endsWith("/token")) return Response.json({ error: "invalid_grant" }, { status: 400 });
      return Response.json({});
    });
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const cookie = await sessionCookie({ access_token: "AT", refresh_token: "RT", expires_at: now() - 5 });
    const res = await GET(new Request("http://localhost:3001/api/backend/me", { headers: { cookie } }), ctx("me"));
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("session_expired");
  });

  it("forwards without a token in local mode", async () => {
    process.env.BUTLER_AUTH_MODE = "local";
    const calls = stubFetch(() => Response.json({ auth_mode: "local" }));
    const res = await GET(new Request("http://localhost:3001/api/backend/me"), ctx("me"));
    expect(res.status).toBe(200);
    expect(new Headers(calls[0].init.headers).get("authorization")).toBeNull();
  });

  it("finds local mode by asking the API when nothing forces it", async () => {
    delete process.env.BUTLER_AUTH_MODE;
    const calls = stubFetch(() => Response.json({ id: "x", is_admin: true, auth_mode: "local" }));
    const res = await GET(new Request("http://localhost:3001/api/backend/accounts"), ctx("accounts"));
    expect(res.status).toBe(200);
    expect(calls.map((c) => c.url)).toEqual(["http://api.test:3000/api/me", "http://api.test:3000/api/accounts"]);
  });

  it("refuses dot segments instead of letting them climb out of /api", async () => {
    const calls = stubFetch(() => Response.json({}));
    const cookie = await sessionCookie({ access_token: "AT", expires_at: now() + 300 });
    const res = await GET(new Request("http://localhost:3001/api/backend/x", { headers: { cookie } }), ctx("..", "metrics"));
    expect(res.status).toBe(404);
    expect(calls).toHaveLength(0);
  });
});
