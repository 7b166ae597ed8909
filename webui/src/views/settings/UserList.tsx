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
import { passwordFromHash, passwordState } from "../../lib/passwords";
import { userError } from "../../lib/settingsDraft";
import { AddUserModal } from "./AddUserModal";
import { ChangePasswordModal } from "./ChangePasswordModal";
import { authOf, type DraftSectionProps } from "./settingsForm";

const LAST_USER = "The last user cannot be removed while authentication is on.";

export function UserList(props: DraftSectionProps & { users: User[]; authDisabled: boolean; onTwoFactorReset: () => void }) {
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
        <p className="muted">No users.</p>
      ) : (
        <ul className="item-list" aria-label="Users">
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
      {lastUserLocked && users.length === 1 && <p className="field-hint">{LAST_USER}</p>}
      <div className="row">
        <button type="button" onClick={() => setAdding(true)}>
          Add user
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
          title="Reset two-factor authentication"
          message={`Turn off two-factor authentication for ${resetting}? They log in with their password alone until they set it up again.`}
          confirmLabel="Reset"
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
          title="Remove user"
          message={`Remove the user ${users[removing].name}? Their sessions end when the settings are saved.`}
          confirmLabel="Remove"
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
    notify(`Two-factor authentication reset for ${username}`);
  } catch (e) {
    notify(errorMessage(e), "err");
  }
  done();
}

const PASSWORD_STATE = { stored: "password set", new: "new password, saved with the settings", none: "no password" };

function UserRow(props: {
  user: User;
  index: number;
  errors: FieldErrors;
  locked: boolean;
  onChange: () => void;
  onRemove: () => void;
  onResetTwoFactor: () => void;
}) {
  const err = userError(props.errors, props.index);
  return (
    <li>
      <div className="item-main">
        <strong>{props.user.name}</strong>
        <span className="muted small">
          {PASSWORD_STATE[passwordState(props.user)]}
          {props.user.twoFactor && " · two-factor on"}
        </span>
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
          Change password
        </button>
        {props.user.twoFactor && (
          <button type="button" onClick={props.onResetTwoFactor}>
            Reset two-factor
          </button>
        )}
        <button type="button" disabled={props.locked} title={props.locked ? LAST_USER : undefined} onClick={props.onRemove}>
          Remove
        </button>
      </div>
    </li>
  );
}
