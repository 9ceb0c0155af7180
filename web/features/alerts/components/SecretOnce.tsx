"use client";

import { useState } from "react";
import { Button } from "@/components/ui";

/** A webhook's signing secret, shown this once (the API never returns it again), with a copy button. */
export function SecretOnce({ channelName, secret, onDone }: { channelName: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      setCopied("no");
    }
  };
  return (
    <div role="region" aria-label="Webhook secret" data-testid="webhook-secret-panel" className="rounded-lg border border-amber-300 bg-amber-50 p-4 dark:border-amber-700 dark:bg-amber-950/40">
      <p className="font-semibold text-amber-900 dark:text-amber-200">The signing secret of “{channelName}”</p>
      <p className="mt-1 text-sm text-amber-900 dark:text-amber-200">
        Copy it now and keep it with your receiver: <strong>it will not be shown again</strong>. Your receiver checks each request&apos;s <code>X-Butler-Signature</code> with it.
      </p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <code data-testid="webhook-secret" className="min-w-0 break-all rounded bg-white px-2 py-1 font-mono text-sm text-slate-900 select-all dark:bg-slate-900 dark:text-slate-100">
          {secret}
        </code>
        <Button variant="secondary" onClick={() => void copy()}>
          Copy
        </Button>
        <Button variant="ghost" onClick={onDone}>
          I have saved it
        </Button>
      </div>
      {copied && (
        <p role="status" className="mt-2 text-xs text-amber-900 dark:text-amber-200">
          {copied === "yes" ? "Copied to the clipboard." : "The browser did not allow copying: select the secret and copy it by hand."}
        </p>
      )}
    </div>
  );
}
