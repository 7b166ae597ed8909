// First-run setup (create the first user) and login (with a one-time code when the user has two-factor
// authentication, or through single sign-on when it is configured); both end with a session token.
import { useState, type FormEvent } from "react";
import { authentication, cairn } from "../api/client";
import { errorMessage } from "../api/errors";
import { Field } from "../components/Field";

function Page(props: { title: string; intro: string; children: React.ReactNode }) {
  return (
    <div className="center-page">
      <div className="card signin">
        <div className="brand brand-large">cairn</div>
        <h1>{props.title}</h1>
        <p className="muted">{props.intro}</p>
        {props.children}
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
  const mismatch = pw2 !== "" && pw !== pw2;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (pw.length < 8) return setError("Choose a password of at least 8 characters.");
    if (pw !== pw2) return setError("The passwords differ.");
    void run(() => cairn.setup({ username: user.trim(), password: pw }));
  };

  return (
    <Page title="Welcome to cairn" intro="Create the first user. Nothing else is reachable until one exists.">
      <form className="stack" onSubmit={submit}>
        <Field label="User name">
          <input value={user} onChange={(e) => setUser(e.target.value)} autoComplete="username" required />
        </Field>
        <Field label="Password" hint="At least 8 characters.">
          <input type="password" value={pw} onChange={(e) => setPw(e.target.value)} autoComplete="new-password" required />
        </Field>
        <Field label="Confirm password" error={mismatch ? "The passwords differ." : undefined}>
          <input type="password" value={pw2} onChange={(e) => setPw2(e.target.value)} autoComplete="new-password" required />
        </Field>
        <Submit error={error} busy={busy} label="Create user" />
      </form>
    </Page>
  );
}

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
  const needsCode = code !== "" || (error?.includes(NEEDS_CODE) ?? false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => authentication.login({ username: user.trim(), password: pw, totpCode: code.trim() }));
  };

  return (
    <Page title="Log in" intro={reason ?? "Sign in to manage your backups."}>
      <form className="stack" onSubmit={submit}>
        <Field label="User name">
          <input value={user} onChange={(e) => setUser(e.target.value)} autoComplete="username" required autoFocus />
        </Field>
        <Field label="Password">
          <input type="password" value={pw} onChange={(e) => setPw(e.target.value)} autoComplete="current-password" required />
        </Field>
        {needsCode && (
          <Field label="One-time code" hint="From your authenticator app, or one of your recovery codes.">
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
        <Submit error={error} busy={busy} label="Log in" />
      </form>
      {oidcLabel && (
        <div className="stack sso">
          <div className="muted small">or</div>
          {/* A plain link: the server sends the browser on to the identity provider. */}
          <a className="button" href="auth/oidc/login">
            {oidcLabel}
          </a>
        </div>
      )}
    </Page>
  );
}
