// The server's config, shared by every view: loaded once, re-read when the window regains focus,
// and saved through SetConfig with the modno it was read at (a stale save is refused by the server).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { Config } from "@gen/v1/config_pb";
import { backrest } from "../api/client";
import { errorMessage } from "../api/errors";

export interface ConfigState {
  config: Config | null;
  error: string | null;
  reload: () => Promise<Config | null>;
  /** Saves a whole config (carrying the modno it was based on); the new config replaces the old. */
  save: (next: Config) => Promise<Config>;
  /** Replaces the held config with one an RPC returned (AddRepo, RemoveRepo). */
  replace: (next: Config) => void;
}

const Ctx = createContext<ConfigState | null>(null);

export function ConfigProvider({ children }: { children: ReactNode }) {
  const [config, setConfig] = useState<Config | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const c = await backrest.getConfig({});
      setConfig(c);
      setError(null);
      return c;
    } catch (e) {
      setError(errorMessage(e));
      return null;
    }
  }, []);

  const save = useCallback(async (next: Config) => {
    const saved = await backrest.setConfig(next);
    setConfig(saved);
    return saved;
  }, []);

  useEffect(() => {
    void reload();
    const onFocus = () => void reload();
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, [reload]);

  const value = useMemo(() => ({ config, error, reload, save, replace: setConfig }), [config, error, reload, save]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useConfig(): ConfigState {
  const c = useContext(Ctx);
  if (!c) throw new Error("useConfig outside ConfigProvider");
  return c;
}
