// The app: decides whether to show first-run setup, login or the signed-in shell, and re-shows login
// whenever the server refuses the session (expired, password changed).
import { useCallback, useEffect, useState } from "react";
import { cairn, getToken, onUnauthenticated, setToken } from "./api/client";
import { errorMessage } from "./api/errors";
import { ConfigProvider } from "./state/config";
import { Login, Setup } from "./views/SignIn";
import { Shell } from "./views/Shell";
import { Toasts } from "./components/Toasts";
import { ThemeProvider } from "./state/theme";
import { takeOidcReturn } from "./lib/oidcReturn";
import { useTranslation } from "./i18n";

type Gate =
  | { state: "loading" }
  | { state: "setup" }
  | { state: "login"; sessionEnded?: boolean; error?: string }
  | { state: "in"; authDisabled: boolean }
  | { state: "down"; error: string };

export function App() {
  const [gate, setGate] = useState<Gate>({ state: "loading" });
  const [oidcLabel, setOidcLabel] = useState("");
  const { t } = useTranslation("shell");
  const { t: tc } = useTranslation("common");

  const check = useCallback(async () => {
    try {
      const back = takeOidcReturn();
      if (back && "token" in back) setToken(back.token);
      const auth = await cairn.getAuthState({});
      setOidcLabel(auth.oidcLabel);
      if (auth.authDisabled) setGate({ state: "in", authDisabled: true });
      else if (auth.setupRequired) setGate({ state: "setup" });
      else if (getToken()) setGate({ state: "in", authDisabled: false });
      else setGate({ state: "login", error: back && "error" in back ? back.error : undefined });
    } catch (e) {
      setGate({ state: "down", error: errorMessage(e) });
    }
  }, []);

  useEffect(() => {
    void check();
    return onUnauthenticated(() => {
      setToken(null);
      setGate((g) => (g.state === "in" && g.authDisabled ? g : { state: "login", sessionEnded: true }));
    });
  }, [check]);

  const signedIn = (token: string) => {
    setToken(token);
    setGate({ state: "in", authDisabled: false });
  };
  const logout = () => {
    setToken(null);
    setGate({ state: "login" });
  };

  return (
    <ThemeProvider>
      {gate.state === "loading" && <div className="center-page muted">{tc("loading")}</div>}
      {gate.state === "down" && (
        <div className="center-page">
          <div className="card stack">
            <h1>{t("app.notAnswering")}</h1>
            <p role="alert">{gate.error}</p>
            <button type="button" onClick={() => void check()}>
              {tc("retry")}
            </button>
          </div>
        </div>
      )}
      {gate.state === "setup" && <Setup onDone={signedIn} />}
      {gate.state === "login" && (
        <Login reason={gate.sessionEnded ? t("app.sessionEnded") : undefined} error={gate.error} oidcLabel={oidcLabel} onDone={signedIn} />
      )}
      {gate.state === "in" && (
        <ConfigProvider>
          <Shell onLogout={gate.authDisabled ? null : logout} />
        </ConfigProvider>
      )}
      <Toasts />
    </ThemeProvider>
  );
}
