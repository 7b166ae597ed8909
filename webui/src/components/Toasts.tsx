// Short-lived notices in a corner: "backup queued", "saved", or an error from a button's call.
import { useEffect, useState } from "react";

export interface Toast {
  id: number;
  text: string;
  tone: "ok" | "err";
}

type Listener = (t: Toast[]) => void;
let toasts: Toast[] = [];
let next = 1;
const listeners = new Set<Listener>();

function emit() {
  listeners.forEach((l) => l(toasts));
}

export function notify(text: string, tone: "ok" | "err" = "ok"): void {
  const t = { id: next++, text, tone };
  toasts = [...toasts, t];
  emit();
  setTimeout(
    () => {
      toasts = toasts.filter((x) => x.id !== t.id);
      emit();
    },
    tone === "err" ? 10_000 : 4_000,
  );
}

export function Toasts() {
  const [items, setItems] = useState<Toast[]>(toasts);
  useEffect(() => {
    listeners.add(setItems);
    return () => void listeners.delete(setItems);
  }, []);
  return (
    <div className="toasts" aria-live="polite">
      {items.map((t) => (
        <div key={t.id} className={`toast tone-${t.tone}`} role={t.tone === "err" ? "alert" : "status"}>
          {t.text}
        </div>
      ))}
    </div>
  );
}
