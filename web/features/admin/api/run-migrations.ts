import { useMutation } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { MigrationsResult } from "@/lib/api/types";

export const runMigrations = () => apiRequest<MigrationsResult>("/migrations", { method: "POST" });

export const useRunMigrations = () =>
  useMutation({
    mutationFn: runMigrations,
    meta: {
      success: (r: MigrationsResult) => (r.applied.length ? `Applied ${r.applied.length} migration(s)` : "The schema is up to date"),
      error: "Migrations failed",
    },
  });
