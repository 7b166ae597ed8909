// First-run setup (create the first user) and login (with a one-time code when the user has two-factor
// authentication, or through single sign-on when it is configured); both end with a session token.
import { useState, type FormEvent } from "react";
import { authentication, cairn } from "../api/client";
import { errorMessage } from "../api/errors";
import { Field } from "../components/Field";
import { LanguagePicker } from "../components/LanguagePicker";
import { useTranslation } from "../i18n";

function Page(props: { title: string; intro: string; children: React.ReactNode }) {
  return (
    <div className="center-page">
      <div className="card signin">
        <div className="brand brand-large" translate="no">
          cairn
        </div>
        <h1>{props.title}</h1>
        <p className="muted">{props.intro}</p>
        {props.children}
        <div className="signin-language">
          <LanguagePicker compact />
        </div>
      </div>
    </div>
  );
}

/** Runs a call that answers with a session token, tracking that it is busy and what went wrong. */
function useTokenRequest(onDone: (token: string) => void, initialError?: string) {
  const [error, setError] = useState<string | null>(initialError ?? null);
  const [busy, setBusy] = useState(false);
  const run = async (call: () => Promise<{ token: string }>) => {
    setBusy(true);
    try {
      onDone((await call()).token);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return { error, setError, busy, run };
}

/** The form's error, if any, and its submit button. */
function Submit(props: { error: string | null; busy: boolean; label: string }) {
  return (
    <>
      {props.error && (
        <div className="banner banner-error" role="alert">
          {props.error}
        </div>
      )}
      <button type="submit" className="primary" disabled={props.busy}>
        {props.label}
      </button>
    </>
  );
}

export function Setup({ onDone }: { onDone: (token: string) => void }) {
  const [user, setUser] = useState("admin");
  const [pw, setPw] = useState("");
  const [pw2, setPw2] = useState("");
  const { error, setError, busy, run } = useTokenRequest(onDone);
  const { t } = useTranslation("shell");
  const mismatch = pw2 !== "" && pw !== pw2;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (pw.length < 8) return setError(t("passwords.tooShort"));
    if (pw !== pw2) return setError(t("passwords.differ"));
    void run(() => cairn.setup({ username: user.trim(), password: pw }));
  };

  return (
    <Page title={t("signIn.setupTitle")} intro={t("signIn.setupIntro")}>
      <form className="stack" onSubmit={submit}>
        <Field label={t("signIn.userName")}>
          <input value={user} onChange={(e) => setUser(e.target.value)} autoComplete="username" required />
        </Field>
        <Field label={t("signIn.password")} hint={t("signIn.passwordHint")}>
          <input type="password" value={pw} onChange={(e) => setPw(e.target.value)} autoComplete="new-password" required />
        </Field>
        <Field label={t("signIn.confirmPassword")} error={mismatch ? t("passwords.differ") : undefined}>
          <input type="password" value={pw2} onChange={(e) => setPw2(e.target.value)} autoComplete="new-password" required />
        </Field>
        <Submit error={error} busy={busy} label={t("signIn.createUser")} />
      </form>
    </Page>
  );
}

/** The single sign-on button's text the server sends when none is configured; shown translated. */
const SERVER_SSO_LABEL = "Sign in with single sign-on";

/** The server's answer when the user has two-factor authentication and no code was sent. */
const NEEDS_CODE = "two-factor authentication";

interface LoginProps {
  onDone: (token: string) => void;
  reason?: string;
  /** Why a single sign-on attempt failed, shown until the next attempt. */
  error?: string;
  /** The single sign-on button's text; no button when empty. */
  oidcLabel?: string;
}

export function Login({ onDone, reason, error: ssoError, oidcLabel }: LoginProps) {
  const [user, setUser] = useState("");
  const [pw, setPw] = useState("");
  const [code, setCode] = useState("");
  const { error, busy, run } = useTokenRequest(onDone, ssoError);
  const { t } = useTranslation("shell");
  const needsCode = code !== "" || (error?.includes(NEEDS_CODE) ?? false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => authentication.login({ username: user.trim(), password: pw, totpCode: code.trim() }));
  };

  return (
    <Page title={t("signIn.loginTitle")} intro={reason ?? t("signIn.loginIntro")}>
      <form className="stack" onSubmit={submit}>
        <Field label={t("signIn.userName")}>
          <input value={user} onChange={(e) => setUser(e.target.value)} autoComplete="username" required autoFocus />
        </Field>
        <Field label={t("signIn.password")}>
          <input type="password" value={pw} onChange={(e) => setPw(e.target.value)} autoComplete="current-password" required />
        </Field>
        {needsCode && (
          <Field label={t("signIn.code")} hint={t("signIn.codeHint")}>
            <input
              value={code}
              onChange={(e) => setCode(e.target.value)}
              autoComplete="one-time-code"
              inputMode="numeric"
              autoFocus
              required
            />
          </Field>
        )}
        <Submit error={error} busy={busy} label={t("signIn.logIn")} />
      </form>
      {oidcLabel && (
        <div className="stack sso">
          <div className="muted small">{t("signIn.or")}</div>
          {/* A plain link: the server sends the browser on to the identity provider. */}
          <a className="button" href="auth/oidc/login">
            {oidcLabel === SERVER_SSO_LABEL ? t("signIn.ssoDefault") : oidcLabel}
          </a>
        </div>
      )}
    </Page>
  );
}
