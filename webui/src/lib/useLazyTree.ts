// A tree whose levels load when first opened: each level's state by path (loading, its data, or its
// error), the set of open paths, and a toggle that loads a level the first time it opens. Shared by
// the snapshot browser and the snapshot comparison.
import { useCallback, useState } from "react";
import { errorMessage } from "../api/errors";

/** One level: loading, loaded (its data), or failed (the error to show). */
export type Level<T> = { loading: boolean; error?: string } & Partial<T>;

/** `fetchLevel` must be stable between renders (useCallback): a new one reloads nothing by itself. */
export function useLazyTree<T extends object>(fetchLevel: (path: string) => Promise<T>) {
  const [levels, setLevels] = useState<Map<string, Level<T>>>(new Map());
  const [open, setOpen] = useState<Set<string>>(new Set());

  const load = useCallback(
    async (path: string) => {
      const set = (level: Level<T>) => setLevels((m) => new Map(m).set(path, level));
      set({ loading: true } as Level<T>);
      try {
        set({ loading: false, ...(await fetchLevel(path)) });
      } catch (e) {
        set({ loading: false, error: errorMessage(e) } as Level<T>);
      }
    },
    [fetchLevel],
  );

  const toggle = (path: string) => {
    const next = new Set(open);
    if (next.has(path)) next.delete(path);
    else {
      next.add(path);
      if (!levels.has(path)) void load(path);
    }
    setOpen(next);
  };

  /** Forgets every level and closes every path (the tree's source changed). */
  const reset = useCallback(() => {
    setLevels(new Map());
    setOpen(new Set());
  }, []);

  /** Changes a loaded level's data (for example how much of it is drawn). */
  const update = (path: string, patch: Partial<T>) =>
    setLevels((m) => {
      const current = m.get(path);
      return current ? new Map(m).set(path, { ...current, ...patch }) : m;
    });

  return { levels, open, load, toggle, reset, update };
}
