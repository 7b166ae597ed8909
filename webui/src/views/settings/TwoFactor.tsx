// The settings page's "Two-factor authentication" card for the signed-in user: whether TOTP is on,
// enrolment (a QR code of the otpauth:// URL and the secret to type by hand, confirmed with the
// authenticator's first code, then the recovery codes shown once), and turning it off with a code.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import QRCode from "qrcode";
import type { TwoFactorEnrollment, TwoFactorState } from "@gen/cairn/v1/cairn_pb";
import { cairn } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { Field } from "../../components/Field";
import { notify } from "../../components/Toasts";
import { i18n, Trans, useTranslation } from "../../i18n";

/** A code field as authenticators fill it (digits, one-time-code autocomplete). */
function CodeInput(props: { value: string; onChange: (v: string) => void; label: string }) {
  return (
    <Field label={props.label}>
      <input
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        autoComplete="one-time-code"
        inputMode="numeric"
        required
      />
    </Field>
  );
}

function Enrolment(props: { enrolment: TwoFactorEnrollment; onDone: (codes: string[]) => void }) {
  const { t } = useTranslation("settings");
  const [qr, setQr] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    QRCode.toDataURL(props.enrolment.otpauthUrl, { margin: 1, width: 200 })
      .then(setQr)
      .catch(() => setQr(null));
  }, [props.enrolment.otpauthUrl]);
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    try {
      props.onDone((await cairn.confirmTwoFactor({ code: code.trim() })).codes);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <form className="stack" onSubmit={(e) => void confirm(e)} aria-label={t("twoFactor.enrolment")}>
      <p>{t("twoFactor.scan")}</p>
      {qr && <img src={qr} alt={t("twoFactor.qrAlt")} width={200} height={200} />}
      <p>
        <Trans
          t={t}
          i18nKey="twoFactor.key"
          components={{
            secret: (
              <code data-testid="totp-secret" translate="no">
                {props.enrolment.secret}
              </code>
            ),
          }}
        />
      </p>
      <CodeInput label={t("twoFactor.code")} value={code} onChange={setCode} />
      {error && (
        <div className="banner banner-error" role="alert">
          {error}
        </div>
      )}
      <div className="row">
        <button type="submit" className="primary">
          {t("twoFactor.turnOn")}
        </button>
      </div>
    </form>
  );
}

function RecoveryCodes(props: { codes: string[]; onClose: () => void }) {
  const { t } = useTranslation("settings");
  return (
    <div className="stack">
      <div className="banner" role="status">
        {t("twoFactor.isOn")}
      </div>
      <ul className="item-list" aria-label={t("twoFactor.recoveryCodes")}>
        {props.codes.map((c) => (
          <li key={c}>
            <code translate="no">{c}</code>
          </li>
        ))}
      </ul>
      <div className="row">
        <button type="button" onClick={props.onClose}>
          {t("done")}
        </button>
      </div>
    </div>
  );
}

function Disable(props: { left: number; onDone: () => void }) {
  const { t } = useTranslation("settings");
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await cairn.disableTwoFactor({ code: code.trim() });
      notify(i18n.t("settings:twoFactor.turnedOff"));
      props.onDone();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <form className="stack" onSubmit={(e) => void submit(e)} aria-label={t("twoFactor.turnOffLabel")}>
      <p>{t("twoFactor.codesLeft", { count: props.left })}</p>
      <CodeInput label={t("twoFactor.currentCode")} value={code} onChange={setCode} />
      {error && (
        <div className="banner banner-error" role="alert">
          {error}
        </div>
      )}
      <div className="row">
        <button type="submit">{t("twoFactor.turnOff")}</button>
      </div>
    </form>
  );
}

export function TwoFactor() {
  const { t } = useTranslation("settings");
  const { t: tc } = useTranslation("common");
  const [state, setState] = useState<TwoFactorState | null>(null);
  const [unavailable, setUnavailable] = useState<string | null>(null);
  const [enrolment, setEnrolment] = useState<TwoFactorEnrollment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const load = useCallback(async () => {
    try {
      setState(await cairn.getTwoFactor({}));
    } catch (err) {
      setUnavailable(errorMessage(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  if (unavailable) return <p className="muted">{unavailable}</p>;
  if (!state) return <p className="muted">{tc("loading")}</p>;
  if (codes)
    return (
      <RecoveryCodes
        codes={codes}
        onClose={() => {
          setCodes(null);
          void load();
        }}
      />
    );
  if (state.enabled) return <Disable left={state.recoveryCodesLeft} onDone={() => void load()} />;
  if (enrolment)
    return (
      <Enrolment
        enrolment={enrolment}
        onDone={(c) => {
          setEnrolment(null);
          setCodes(c);
        }}
      />
    );
  const start = async () => {
    try {
      setEnrolment(await cairn.startTwoFactor({}));
    } catch (err) {
      notify(errorMessage(err), "err");
    }
  };
  return (
    <div className="stack">
      <p className="field-hint">{t("twoFactor.intro")}</p>
      <div className="row">
        <button type="button" onClick={() => void start()}>
          {t("twoFactor.setUp")}
        </button>
      </div>
    </div>
  );
}
