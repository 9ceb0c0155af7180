import { MutationCache, QueryClient } from "@tanstack/react-query";
import { ApiError } from "@/lib/api/client";
import { plainMessage } from "@/lib/api/messages";
import { showToast, type ToastKind } from "@/lib/toast";

/** A toast's text, or its text with a kind (a partly failed sync succeeds as a request, but warns). */
export type ToastText = string | { kind: ToastKind; message: string };
type Message<TData = unknown, TVars = unknown> = ToastText | ((data: TData, vars: TVars) => ToastText);

declare module "@tanstack/react-query" {
  interface Register {
    mutationMeta: {
      /** Toast shown after the change succeeded. */
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each mutation's own data/vars types must fit here (function parameters are contravariant)
      success?: Message<any, any>;
      /** Prefix of the toast shown when it failed. */
      error?: string;
      /** The form shows the failure next to its fields: no error toast repeats it. */
      inline?: boolean;
    };
  }
}

/** One action: the mutation, and the item it acts on when that is an id. */
const toastKey = (action: string, vars: unknown) => (typeof vars === "string" ? `${action}:${vars}` : action);

/** One toast per action: its meta names the success message; failures say why in plain words, unless shown inline. */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
      },
    },
    mutationCache: new MutationCache({
      onSuccess: (data, vars, _ctx, mutation) => {
        const m = mutation.meta?.success;
        if (!m) return;
        const t = typeof m === "function" ? m(data, vars) : m;
        const key = toastKey(mutation.meta?.error ?? JSON.stringify(mutation.options.mutationKey ?? ""), vars);
        if (typeof t === "string") showToast("success", t, { key });
        else showToast(t.kind, t.message, { key });
      },
      onError: (err, vars, _ctx, mutation) => {
        if (mutation.meta?.inline) return;
        const prefix = mutation.meta?.error ?? "Failed";
        showToast("error", `${prefix}: ${plainMessage(err)}`, { key: toastKey(prefix, vars) });
      },
    }),
  });
}
