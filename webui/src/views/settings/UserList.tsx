// The users of the settings draft: each with its password state and errors, and the dialogs that add a
// user, change a password or remove a user (the last one stays while authentication is on).
import { useCallback, useState } from "react";
import { create } from "@bufbuild/protobuf";
import { UserSchema, type User } from "@gen/v1/config_pb";
import type { FieldErrors } from "../../api/errors";
import { Confirm } from "../../components/Modal";
import { passwordFromHash, passwordState } from "../../lib/passwords";
import { userError } from "../../lib/settingsDraft";
import { AddUserModal } from "./AddUserModal";
import { ChangePasswordModal } from "./ChangePasswordModal";
import { authOf, type DraftSectionProps } from "./settingsForm";

const LAST_USER = "The last user cannot be removed while authentication is on.";

export function UserList(props: DraftSectionProps & { users: User[]; authDisabled: boolean }) {
  const { users, errors, edit } = props;
  const [adding, setAdding] = useState(false);
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

const PASSWORD_STATE = { stored: "password set", new: "new password, saved with the settings", none: "no password" };

function UserRow(props: { user: User; index: number; errors: FieldErrors; locked: boolean; onChange: () => void; onRemove: () => void }) {
  const err = userError(props.errors, props.index);
  return (
    <li>
      <div className="item-main">
        <strong>{props.user.name}</strong>
        <span className="muted small">{PASSWORD_STATE[passwordState(props.user)]}</span>
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
        <button type="button" disabled={props.locked} title={props.locked ? LAST_USER : undefined} onClick={props.onRemove}>
          Remove
        </button>
      </div>
    </li>
  );
}
