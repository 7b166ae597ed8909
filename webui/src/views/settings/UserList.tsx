// The users of the settings draft: each with its password state, two-factor state and errors, and the
// dialogs that add a user, change a password, reset someone's two-factor authentication (at once) or
// remove a user (the last one stays while authentication is on).
import { useCallback, useState } from "react";
import { create } from "@bufbuild/protobuf";
import { UserSchema, type User } from "@gen/v1/config_pb";
import { cairn } from "../../api/client";
import { errorMessage, type FieldErrors } from "../../api/errors";
import { notify } from "../../components/Toasts";
import { Confirm } from "../../components/Modal";
import { i18n, useTranslation } from "../../i18n";
import { passwordFromHash, passwordState } from "../../lib/passwords";
import { userError } from "../../lib/settingsDraft";
import { AddUserModal } from "./AddUserModal";
import { ChangePasswordModal } from "./ChangePasswordModal";
import { authOf, type DraftSectionProps } from "./settingsForm";

export function UserList(props: DraftSectionProps & { users: User[]; authDisabled: boolean; onTwoFactorReset: () => void }) {
  const { t } = useTranslation("settings");
  const { t: tc } = useTranslation("common");
  const { users, errors, edit } = props;
  const [adding, setAdding] = useState(false);
  const [resetting, setResetting] = useState<string | null>(null);
  const [changing, setChanging] = useState<number | null>(null);
  const [removing, setRemoving] = useState<number | null>(null);
  const lastUserLocked = !props.authDisabled && users.length <= 1;
  const closeAdd = useCallback(() => setAdding(false), []);
  const closeChange = useCallback(() => setChanging(null), []);

  return (
    <>
      {users.length === 0 ? (
        <p className="muted">{t("users.none")}</p>
      ) : (
        <ul className="item-list" aria-label={t("auth.users")}>
          {users.map((u, i) => (
            <UserRow
              key={i}
              user={u}
              errors={errors}
              index={i}
              locked={lastUserLocked}
              onChange={() => setChanging(i)}
              onRemove={() => setRemoving(i)}
              onResetTwoFactor={() => setResetting(u.name)}
            />
          ))}
        </ul>
      )}
      {lastUserLocked && users.length === 1 && <p className="field-hint">{t("users.lastUser")}</p>}
      <div className="row">
        <button type="button" onClick={() => setAdding(true)}>
          {t("users.add")}
        </button>
      </div>

      {adding && (
        <AddUserModal
          existing={users.map((u) => u.name)}
          onClose={closeAdd}
          onAdd={(name, hash) =>
            edit((d) => {
              authOf(d).users.push(create(UserSchema, { name, password: passwordFromHash(hash) }));
            })
          }
        />
      )}
      {changing !== null && users[changing] && (
        <ChangePasswordModal
          name={users[changing].name}
          onClose={closeChange}
          onSet={(hash) => {
            const i = changing;
            edit((d) => {
              const u = authOf(d).users[i];
              if (u) u.password = passwordFromHash(hash);
            });
          }}
        />
      )}
      {resetting !== null && (
        <Confirm
          title={t("users.resetConfirm.title")}
          message={t("users.resetConfirm.message", { name: resetting })}
          confirmLabel={t("users.resetConfirm.confirm")}
          danger
          onCancel={() => setResetting(null)}
          onConfirm={() => {
            const name = resetting;
            setResetting(null);
            void resetTwoFactor(name, props.onTwoFactorReset);
          }}
        />
      )}
      {removing !== null && users[removing] && (
        <Confirm
          title={t("users.removeConfirm.title")}
          message={t("users.removeConfirm.message", { name: users[removing].name })}
          confirmLabel={tc("remove")}
          danger
          onCancel={() => setRemoving(null)}
          onConfirm={() => {
            const i = removing;
            setRemoving(null);
            edit((d) => {
              authOf(d).users.splice(i, 1);
            });
          }}
        />
      )}
    </>
  );
}

/** Turns another user's two-factor authentication off (at once, not with the settings). */
async function resetTwoFactor(username: string, done: () => void) {
  try {
    await cairn.resetTwoFactor({ username });
    notify(i18n.t("settings:users.twoFactorReset", { name: username }));
  } catch (e) {
    notify(errorMessage(e), "err");
  }
  done();
}

function UserRow(props: {
  user: User;
  index: number;
  errors: FieldErrors;
  locked: boolean;
  onChange: () => void;
  onRemove: () => void;
  onResetTwoFactor: () => void;
}) {
  const { t } = useTranslation("settings");
  const { t: tc } = useTranslation("common");
  const err = userError(props.errors, props.index);
  const password = t(`users.password.${passwordState(props.user)}`);
  return (
    <li>
      <div className="item-main">
        <strong translate="no">{props.user.name}</strong>
        <span className="muted small">{props.user.twoFactor ? t("users.withTwoFactor", { password }) : password}</span>
        {[err.row, err.name, err.password].map(
          (m) =>
            m && (
              <span key={m} className="field-error" role="alert">
                {m}
              </span>
            ),
        )}
      </div>
      <div className="item-actions">
        <button type="button" onClick={props.onChange}>
          {t("users.changePassword")}
        </button>
        {props.user.twoFactor && (
          <button type="button" onClick={props.onResetTwoFactor}>
            {t("users.resetTwoFactor")}
          </button>
        )}
        <button type="button" disabled={props.locked} title={props.locked ? t("users.lastUser") : undefined} onClick={props.onRemove}>
          {tc("remove")}
        </button>
      </div>
    </li>
  );
}
