export type ToastKind = "success" | "error" | "info";
export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

type Listener = (toasts: Toast[]) => void;

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

export function showToast(kind: ToastKind, message: string, ttlMs = kind === "error" ? 8000 : 4000) {
  const id = nextId++;
  toasts = [...toasts.slice(-4), { id, kind, message }];
  emit();
  if (ttlMs > 0 && typeof window !== "undefined") window.setTimeout(() => dismissToast(id), ttlMs);
  return id;
}

export const toast = {
  success: (m: string) => showToast("success", m),
  error: (m: string) => showToast("error", m),
  info: (m: string) => showToast("info", m),
};

export function subscribeToasts(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function currentToasts(): Toast[] {
  return toasts;
}
