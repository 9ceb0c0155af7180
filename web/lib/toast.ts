export type ToastKind = "success" | "error" | "warning" | "info";
export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** Toasts of one action share a key: a newer one replaces the older. */
  key: string;
}

type Listener = (toasts: Toast[]) => void;

/** At most this many toasts at once (the oldest goes first). */
export const MAX_TOASTS = 3;

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<Listener>();

function emit() {
  for (const l of listeners) l(toasts);
}

export function dismissToast(id: number) {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

/**
 * Shows a toast: one per action (`key`, by default the message), so repeating an action or a
 * failure does not stack copies; at most {@link MAX_TOASTS} are shown.
 */
export function showToast(kind: ToastKind, message: string, opts: { key?: string; ttlMs?: number } = {}) {
  const id = nextId++;
  const key = opts.key ?? message;
  const ttlMs = opts.ttlMs ?? (kind === "error" || kind === "warning" ? 8000 : 4000);
  toasts = [...toasts.filter((t) => t.key !== key && t.message !== message), { id, kind, message, key }].slice(-MAX_TOASTS);
  emit();
  if (ttlMs > 0 && typeof window !== "undefined") window.setTimeout(() => dismissToast(id), ttlMs);
  return id;
}

export const toast = {
  success: (m: string, key?: string) => showToast("success", m, { key }),
  error: (m: string, key?: string) => showToast("error", m, { key }),
  warning: (m: string, key?: string) => showToast("warning", m, { key }),
  info: (m: string, key?: string) => showToast("info", m, { key }),
};

export function subscribeToasts(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function currentToasts(): Toast[] {
  return toasts;
}

/** Tests only. */
export function clearToasts() {
  toasts = [];
  emit();
}
