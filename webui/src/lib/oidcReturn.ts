// What single sign-on hands back: cairn's callback sends the browser to the app with either a session
// token (`#oidc_token=`) or the reason sign-in failed (`#oidc_error=`) in the URL fragment, which never
// reaches a server. The app reads it once and removes it from the address bar and history.
import { i18n } from "../i18n";

export type OidcReturn = { token: string } | { error: string } | null;

export function parseOidcReturn(hash: string): OidcReturn {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const token = params.get("oidc_token");
  if (token) return { token };
  const error = params.get("oidc_error");
  if (error !== null) return { error: error || i18n.t("shell:app.ssoFailed") };
  return null;
}

/** Reads the sign-in result from the address bar, if there is one, and replaces it with the dashboard. */
export function takeOidcReturn(): OidcReturn {
  const result = parseOidcReturn(window.location.hash);
  if (result) window.history.replaceState(null, "", `${window.location.pathname}${window.location.search}#/`);
  return result;
}
