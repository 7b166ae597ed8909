// Creating an API token: its label and lifetime, then the token itself, shown only this once with a
// button that copies it; that dialog closes by its Done button, or after a question.
import { useState } from "react";
import type { Config } from "@gen/v1/config_pb";
import { cairn } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { Field } from "../../components/Field";
import { Modal } from "../../components/Modal";
import type { CloseGuard } from "../../components/closeGuard";
import { notify } from "../../components/Toasts";
import { i18n, Trans, useTranslation } from "../../i18n";
import { parseCount } from "../../lib/historyLimits";
import { ModalForm } from "./ModalForm";

/** How a token is sent, as scripts write it: the same in every language. */
export function BearerHeader() {
  return <code translate="no">Authorization: Bearer &lt;token&gt;</code>;
}

export function CreateTokenModal(props: { onClose: () => void; reload: () => Promise<Config | null> }) {
  const { t } = useTranslation("settings");
  const { t: tc } = useTranslation("common");
  const [label, setLabel] = useState("");
  const [days, setDays] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [token, setToken] = useState<string | null>(null);

  const submit = async () => {
    const ttl = parseCount(days);
    if (ttl < 0) return setError(t("createToken.negative"));
    setBusy(true);
    setError(null);
    try {
      const r = await cairn.createApiToken({ label: label.trim(), ttlDays: BigInt(ttl) });
      setToken(r.token);
      void props.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (token) return <TokenShownOnce token={token} onClose={props.onClose} />;

  return (
    <ModalForm
      title={t("createToken.title")}
      onClose={props.onClose}
      onSubmit={() => void submit()}
      error={error}
      busy={busy}
      submitLabel={tc("create")}
      dirty={label !== "" || days !== ""}
    >
      <Field label={t("createToken.label")} hint={t("createToken.labelHint")}>
        <input value={label} onChange={(e) => setLabel(e.target.value)} autoComplete="off" />
      </Field>
      <Field label={t("createToken.days")} hint={t("createToken.daysHint")}>
        <input type="number" inputMode="numeric" min={0} step={1} value={days} onChange={(e) => setDays(e.target.value)} />
      </Field>
    </ModalForm>
  );
}

/** Copies the token, or (with no clipboard API, on a page served over plain HTTP) selects it to copy. */
async function copy(input: HTMLInputElement | null, value: string) {
  try {
    await navigator.clipboard.writeText(value);
    notify(i18n.t("settings:createToken.copied"));
  } catch {
    input?.select();
    notify(i18n.t("settings:createToken.selectToCopy", { shortcut: "Ctrl+C" }), "err");
  }
}

/** The token cannot be shown again: closing its dialog other than by Done asks, the × included. */
function tokenGuard(): CloseGuard {
  return {
    title: i18n.t("settings:createToken.guard.title"),
    message: i18n.t("settings:createToken.guard.message"),
    confirmLabel: i18n.t("settings:createToken.guard.confirm"),
    closeButton: true,
  };
}

function TokenShownOnce(props: { token: string; onClose: () => void }) {
  const { t } = useTranslation("settings");
  const { t: tc } = useTranslation("common");
  const { token } = props;
  return (
    <Modal
      title={t("createToken.createdTitle")}
      onClose={props.onClose}
      guard={tokenGuard()}
      footer={
        <button type="button" className="primary" onClick={props.onClose}>
          {t("done")}
        </button>
      }
    >
      <div className="banner banner-warn">{t("createToken.copyNow")}</div>
      <div className="token-once">
        <Field
          label={t("createToken.token")}
          hint={<Trans t={t} i18nKey="createToken.tokenHint" components={{ header: <BearerHeader /> }} />}
        >
          <input value={token} readOnly onFocus={(e) => e.currentTarget.select()} />
        </Field>
        <button
          type="button"
          onClick={(e) => {
            const input = e.currentTarget.parentElement?.querySelector("input") ?? null;
            void copy(input, token);
          }}
        >
          {tc("copy")}
        </button>
      </div>
    </Modal>
  );
}
