"use client";

import { ErrorAlert } from "@/components/states";

export default function AppError({ error, reset }: { error: Error; reset: () => void }) {
  return <ErrorAlert error={error} onRetry={reset} title="This page failed to load" />;
}
