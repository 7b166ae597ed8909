// Light, dark or the system's choice (followed as it changes), remembered in localStorage and set as
// <html data-theme>, which selects the CSS variables of the theme.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";

export type ThemeChoice = "system" | "light" | "dark";
const KEY = "cairn.theme";

const Ctx = createContext<{ theme: ThemeChoice; setTheme: (t: ThemeChoice) => void }>({
  theme: "system",
  setTheme: () => undefined,
});

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === "light" || v === "dark" ? v : "system";
  } catch {
    return "system";
  }
}

export function ThemeProvider({ children }: { children: ReactNode }) {
  const [theme, setTheme] = useState<ThemeChoice>(stored);
  useEffect(() => {
    const root = document.documentElement;
    if (theme !== "system") {
      root.setAttribute("data-theme", theme);
      localStorage.setItem(KEY, theme);
      return;
    }
    localStorage.removeItem(KEY);
    const dark = typeof window.matchMedia === "function" ? window.matchMedia("(prefers-color-scheme: dark)") : null;
    const follow = () => root.setAttribute("data-theme", dark?.matches ? "dark" : "light");
    follow();
    dark?.addEventListener("change", follow);
    return () => dark?.removeEventListener("change", follow);
  }, [theme]);
  return <Ctx.Provider value={{ theme, setTheme }}>{children}</Ctx.Provider>;
}

export function useTheme() {
  return useContext(Ctx);
}
