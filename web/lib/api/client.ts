import type { ErrorBody, FieldError } from "./types";

export const BACKEND_BASE = "/api/backend";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldError[];
  readonly requestId?: string;

  constructor(status: number, code: string, message: string, fields: FieldError[] = [], requestId?: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.requestId = requestId;
  }

  /** Field path -> message, e.g. `enabled_chains[0]` -> "unknown chain". */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of this.fields) if (!(f.field in out)) out[f.field] = f.message;
    return out;
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  /** A body sent as it is (e.g. a CSV file's text), with its content type, instead of JSON. */
  raw?: { body: string; contentType: string };
  query?: Query;
  signal?: AbortSignal;
}

export function buildUrl(path: string, query?: Query): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== "") qs.set(k, String(v));
  }
  const s = qs.toString();
  return `${BACKEND_BASE}${path}${s ? `?${s}` : ""}`;
}

let onUnauthenticated: () => void = () => {
  if (typeof window === "undefined") return;
  const here = window.location.pathname + window.location.search;
  if (window.location.pathname.startsWith("/auth/")) return;
  window.location.assign(`/auth/signin?callbackUrl=${encodeURIComponent(here)}`);
};

/** Lets tests observe the redirect to sign-in instead of navigating. */
export function setUnauthenticatedHandler(handler: () => void) {
  onUnauthenticated = handler;
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: Partial<ErrorBody> | undefined;
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    body = undefined;
  }
  const e = body?.error;
  return new ApiError(
    res.status,
    e?.code ?? `http_${res.status}`,
    e?.message ?? (res.statusText || `Request failed (${res.status})`),
    e?.fields ?? [],
    body?.request_id ?? res.headers.get("x-request-id") ?? undefined,
  );
}

/** Calls the API through the web's `/api/backend` proxy and returns the parsed JSON. */
export async function apiRequest<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const { method = "GET", body, raw, query, signal } = opts;
  let res: Response;
  const headers: Record<string, string> = { accept: "application/json" };
  if (raw) headers["content-type"] = raw.contentType;
  else if (body !== undefined) headers["content-type"] = "application/json";
  try {
    res = await fetch(buildUrl(path, query), {
      method,
      signal,
      credentials: "same-origin",
      headers,
      body: raw ? raw.body : body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if ((err as Error)?.name === "AbortError") throw err;
    throw new ApiError(0, "network_error", "The server cannot be reached. Check your connection.");
  }
  if (!res.ok) {
    const err = await toApiError(res);
    if (res.status === 401) onUnauthenticated();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The file name a `content-disposition: attachment; filename="…"` header gives, or `fallback`. */
export function attachmentName(header: string | null, fallback: string): string {
  const m = header ? /filename="?([^";]+)"?/i.exec(header) : null;
  const name = m?.[1]?.trim();
  return name && !/[\\/]/.test(name) ? name : fallback;
}

/**
 * Fetches a file the API makes (a CSV report) through the same proxy, with the user's session:
 * its text and the name the API gives it. A refusal (e.g. 409) is thrown as an ApiError with the
 * API's own message.
 */
export async function apiDownload(path: string, opts: { query?: Query; fallbackName: string }): Promise<{ filename: string; text: string }> {
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), { credentials: "same-origin", headers: { accept: "text/csv, application/json" } });
  } catch (_err) {
    throw new ApiError(0, "network_error", "The server cannot be reached. Check your connection.");
  }
  if (!res.ok) {
    const err = await toApiError(res);
    if (res.status === 401) onUnauthenticated();
    throw err;
  }
  return { filename: attachmentName(res.headers.get("content-disposition"), opts.fallbackName), text: await res.text() };
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return "Something went wrong";
}
