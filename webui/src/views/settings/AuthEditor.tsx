// The settings page's "Authentication" card: whether authentication is on (with a warning when it is
// off, or when there is no user yet) and the users who can log in.
import { create } from "@bufbuild/protobuf";
import { AuthSchema } from "@gen/v1/config_pb";
import { Field } from "../../components/Field";
import { UserList } from "./UserList";
import { authOf, type DraftSectionProps } from "./settingsForm";

export function AuthEditor(props: DraftSectionProps & { onTwoFactorReset: () => void }) {
  const { draft, edit } = props;
  const auth = draft.auth ?? create(AuthSchema, {});
  return (
    <>
      <Field label="Disable authentication" inline>
        <input
          type="checkbox"
          checked={auth.disabled}
          onChange={(e) => {
            const v = e.target.checked;
            edit((d) => {
              authOf(d).disabled = v;
            });
          }}
        />
      </Field>
      {auth.disabled ? (
        <div className="banner banner-error" role="alert">
          <strong>Authentication is off.</strong> Anyone who can reach this server can read and change the config, run restic commands,
          restore and download files, and run hook commands on this machine, without a password. Turn it off only behind a proxy that
          authenticates every request.
        </div>
      ) : (
        auth.users.length === 0 && (
          <div className="banner banner-warn">
            Authentication is on but there is no user: once saved, cairn asks for the first user to be created.
          </div>
        )
      )}

      <h3>Users</h3>
      <UserList {...props} users={auth.users} authDisabled={auth.disabled} onTwoFactorReset={props.onTwoFactorReset} />
    </>
  );
}
