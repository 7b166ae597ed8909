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
import { parseCount } from "../../lib/historyLimits";
import { ModalForm } from "./ModalForm";

export function CreateTokenModal(props: { onClose: () => void; reload: () => Promise<Config | null> }) {
  const [label, setLabel] = useState("");
  const [days, setDays] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [token, setToken] = useState<string | null>(null);

  const submit = async () => {
    const ttl = parseCount(days);
    if (ttl < 0) return setError("The number of days cannot be negative.");
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
      title="Create API token"
      onClose={props.onClose}
      onSubmit={() => void submit()}
      error={error}
      busy={busy}
      submitLabel="Create"
      dirty={label !== "" || days !== ""}
    >
      <Field label="Label" hint="What the token is for, e.g. the script or host using it.">
        <input value={label} onChange={(e) => setLabel(e.target.value)} autoComplete="off" />
      </Field>
      <Field label="Valid for (days)" hint="Empty or 0: the token never expires.">
        <input type="number" inputMode="numeric" min={0} step={1} value={days} onChange={(e) => setDays(e.target.value)} />
      </Field>
    </ModalForm>
  );
}

/** Copies the token, or (with no clipboard API, on a page served over plain HTTP) selects it to copy. */
async function copy(input: HTMLInputElement | null, value: string) {
  try {
    await navigator.clipboard.writeText(value);
    notify("Token copied");
  } catch {
    input?.select();
    notify("Select the token and copy it (Ctrl+C)", "err");
  }
}

/** The token cannot be shown again: closing its dialog other than by Done asks, the × included. */
const TOKEN_GUARD: CloseGuard = {
  title: "Token shown only once",
  message: "Once this dialog is gone the token cannot be shown again. Copy it first if you still need it.",
  confirmLabel: "Dismiss",
  closeButton: true,
};

function TokenShownOnce(props: { token: string; onClose: () => void }) {
  const { token } = props;
  return (
    <Modal
      title="API token created"
      onClose={props.onClose}
      guard={TOKEN_GUARD}
      footer={
        <button type="button" className="primary" onClick={props.onClose}>
          Done
        </button>
      }
    >
      <div className="banner banner-warn">Copy the token now: it is shown only this once.</div>
      <div className="token-once">
        <Field label="Token" hint="Send it as Authorization: Bearer <token>.">
          <input value={token} readOnly onFocus={(e) => e.currentTarget.select()} />
        </Field>
        <button
          type="button"
          onClick={(e) => {
            const input = e.currentTarget.parentElement?.querySelector("input") ?? null;
            void copy(input, token);
          }}
        >
          Copy
        </button>
      </div>
    </Modal>
  );
}
