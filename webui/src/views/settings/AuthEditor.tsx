// The settings page's "Authentication" card: whether authentication is on (with a warning when it is
// off, or when there is no user yet) and the users who can log in.
import { create } from "@bufbuild/protobuf";
import { AuthSchema } from "@gen/v1/config_pb";
import { Field } from "../../components/Field";
import { Trans, useTranslation } from "../../i18n";
import { UserList } from "./UserList";
import { authOf, type DraftSectionProps } from "./settingsForm";

export function AuthEditor(props: DraftSectionProps & { onTwoFactorReset: () => void }) {
  const { t } = useTranslation("settings");
  const { draft, edit } = props;
  const auth = draft.auth ?? create(AuthSchema, {});
  return (
    <>
      <Field label={t("auth.disable")} inline>
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
          <Trans t={t} i18nKey="auth.off" components={{ strong: <strong /> }} />
        </div>
      ) : (
        auth.users.length === 0 && <div className="banner banner-warn">{t("auth.noUser")}</div>
      )}

      <h3>{t("auth.users")}</h3>
      <UserList {...props} users={auth.users} authDisabled={auth.disabled} onTwoFactorReset={props.onTwoFactorReset} />
    </>
  );
}
