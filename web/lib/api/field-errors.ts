import { ApiError } from "./client";

export type FieldErrors = Record<string, string>;

export function fieldErrorsOf(err: unknown): FieldErrors {
  return err instanceof ApiError ? err.fieldErrors() : {};
}

/** The message for `field`, or for any of its parts (`enabled_chains[0]`, `guardrails.min_trade_usd`). */
export function errorFor(errors: FieldErrors, field: string): string | undefined {
  if (errors[field]) return errors[field];
  const key = Object.keys(errors).find((k) => k.startsWith(`${field}[`) || k.startsWith(`${field}.`));
  return key ? errors[key] : undefined;
}

/** Messages for fields the form does not show, so none is lost. */
export function otherErrors(errors: FieldErrors, shown: string[]): string[] {
  return Object.entries(errors)
    .filter(([k]) => !shown.some((f) => k === f || k.startsWith(`${f}[`) || k.startsWith(`${f}.`)))
    .map(([k, m]) => `${k}: ${m}`);
}
