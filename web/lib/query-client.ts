import { MutationCache, QueryClient } from "@tanstack/react-query";
import { ApiError, errorMessage } from "@/lib/api/client";
import { toast } from "@/lib/toast";

type Message<TData = unknown, TVars = unknown> = string | ((data: TData, vars: TVars) => string);

declare module "@tanstack/react-query" {
  interface Register {
    mutationMeta: {
      /** Toast shown after the change succeeded. */
      success?: Message<any, any>;
      /** Prefix of the toast shown when it failed. */
      error?: string;
    };
  }
}

/** Every mutation ends in a toast: its meta names the success message; failures say why. */
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
        if (m) toast.success(typeof m === "function" ? m(data, vars) : m);
      },
      onError: (err, _vars, _ctx, mutation) => {
        const prefix = mutation.meta?.error ?? "Failed";
        const detail =
          err instanceof ApiError && err.code === "validation_failed" && err.fields.length > 0
            ? "check the highlighted fields"
            : errorMessage(err);
        toast.error(`${prefix}: ${detail}`);
      },
    }),
  });
}
