import { QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { vi } from "vitest";
import { makeQueryClient } from "@/lib/query-client";

export function wrapperWithClient() {
  const client = makeQueryClient();
  client.setDefaultOptions({ queries: { retry: false, staleTime: 0 }, mutations: { retry: false } });
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  return { client, wrapper };
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** Replaces global fetch with a mock answering by "METHOD path" (path without /api/backend). */
export function mockBackend(routes: Record<string, (req: { url: string; init?: RequestInit; body?: unknown }) => Response | Promise<Response>>) {
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    const path = url.replace(/^.*\/api\/backend/, "").split("?")[0];
    const key = `${(init?.method ?? "GET").toUpperCase()} ${path}`;
    const handler = routes[key];
    if (!handler) return jsonResponse({ error: { code: "not_found", message: `no mock for ${key}` }, request_id: "t" }, 404);
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    return handler({ url, init, body });
  });
  vi.stubGlobal("fetch", fn);
  return fn;
}
