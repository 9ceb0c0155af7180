import { ApiError } from "./client";
import { fieldLabel, plainFieldMessage } from "./messages";

export type FieldErrors = Record<string, string>;

/** The API's field errors, each in plain words. */
export function fieldErrorsOf(err: unknown): FieldErrors {
  if (!(err instanceof ApiError)) return {};
  const out: FieldErrors = {};
  for (const [k, m] of Object.entries(err.fieldErrors())) out[k] = plainFieldMessage(m);
  return out;
}

/** The message for `field`, or for any of its parts (`enabled_chains[0]`, `guardrails.min_trade_usd`). */
export function errorFor(errors: FieldErrors, field: string): string | undefined {
  if (errors[field]) return errors[field];
  const key = Object.keys(errors).find((k) => k.startsWith(`${field}[`) || k.startsWith(`${field}.`));
  return key ? errors[key] : undefined;
}

/** Messages for fields the form does not show, so none is lost: named in words, not by path. */
export function otherErrors(errors: FieldErrors, shown: string[]): string[] {
  return Object.entries(errors)
    .filter(([k]) => !shown.some((f) => k === f || k.startsWith(`${f}[`) || k.startsWith(`${f}.`)))
    .map(([k, m]) => `${fieldLabel(k)}: ${m}`);
}

/** Field errors found before sending merged under the API's (the API's win). */
export function mergeErrors(local: FieldErrors, remote: FieldErrors): FieldErrors {
  return { ...local, ...remote };
}
