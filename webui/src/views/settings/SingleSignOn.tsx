// The settings page's "Single sign-on" card: the OpenID Connect provider (issuer, client id and secret,
// callback URL), which claims name a user and list their groups, who may sign in (groups or email
// domains) and whether first sign-ins create users. Saved with the other settings; the client secret is
// shown as a placeholder and kept unless replaced.
import { create } from "@bufbuild/protobuf";
import { OidcSchema, type Config, type Oidc } from "@gen/v1/config_pb";
import { Field, LinesInput } from "../../components/Field";
import { Check } from "../../components/FormKit";
import { Trans, useTranslation } from "../../i18n";
import { authOf, type DraftSectionProps } from "./settingsForm";

function oidcOf(d: Config): Oidc {
  const auth = authOf(d);
  auth.oidc ??= create(OidcSchema, {});
  return auth.oidc;
}

/** The callback URL this page's server has, for the provider's client registration. */
function callbackHere(): string {
  return new URL("auth/oidc/callback", `${window.location.origin}${window.location.pathname}`).toString();
}

/** Scope names, written as the protocol spells them in every language. */
const SCOPES = { openid: "openid", profile: "profile", email: "email" };

type TextKey = "issuer" | "clientId" | "clientSecret" | "redirectUrl" | "usernameClaim" | "groupsClaim" | "buttonLabel";
type ListKey = "scopes" | "allowedGroups" | "allowedDomains";

export function SingleSignOn(props: DraftSectionProps) {
  const { t } = useTranslation("settings");
  const { draft, errors, edit } = props;
  const o = draft.auth?.oidc ?? create(OidcSchema, {});
  const err = (k: string) => errors[`auth.oidc.${k}`];
  const setText = (k: TextKey) => (e: React.ChangeEvent<HTMLInputElement>) => {
    const v = e.target.value;
    edit((d) => {
      oidcOf(d)[k] = v;
    });
  };
  const setList = (k: ListKey) => (v: string[]) =>
    edit((d) => {
      oidcOf(d)[k] = v;
    });

  return (
    <>
      <p className="field-hint">
        <Trans t={t} i18nKey="sso.intro" components={{ url: <code translate="no">{o.redirectUrl || callbackHere()}</code> }} />
      </p>
      <div className="grid-2">
        <Field label={t("sso.issuer")} error={err("issuer")} hint={t("sso.issuerHint")}>
          <input
            value={o.issuer}
            onChange={setText("issuer")}
            placeholder="https://auth.example.com/realms/home"
            translate="no"
            spellCheck={false}
          />
        </Field>
        <Field label={t("sso.clientId")} error={err("clientId")}>
          <input value={o.clientId} onChange={setText("clientId")} spellCheck={false} />
        </Field>
        <Field label={t("sso.clientSecret")} error={err("clientSecret")} hint={t("sso.clientSecretHint")}>
          <input type="password" value={o.clientSecret} onChange={setText("clientSecret")} autoComplete="off" />
        </Field>
        <Field label={t("sso.callback")} error={err("redirectUrl")} hint={t("sso.callbackHint")}>
          <input value={o.redirectUrl} onChange={setText("redirectUrl")} placeholder={callbackHere()} translate="no" spellCheck={false} />
        </Field>
        <Field label={t("sso.usernameClaim")} error={err("usernameClaim")} hint={t("sso.usernameClaimHint")}>
          <input
            value={o.usernameClaim}
            onChange={setText("usernameClaim")}
            placeholder="preferred_username"
            translate="no"
            spellCheck={false}
          />
        </Field>
        <Field label={t("sso.groupsClaim")} error={err("groupsClaim")}>
          <input value={o.groupsClaim} onChange={setText("groupsClaim")} placeholder="groups" translate="no" spellCheck={false} />
        </Field>
        <Field label={t("sso.scopes")} error={err("scopes")} hint={t("sso.scopesHint", SCOPES)}>
          <LinesInput value={o.scopes} onChange={setList("scopes")} placeholder="profile" />
        </Field>
        <Field label={t("sso.buttonLabel")} error={err("buttonLabel")}>
          <input value={o.buttonLabel} onChange={setText("buttonLabel")} placeholder={t("sso.buttonPlaceholder")} />
        </Field>
        <Field label={t("sso.allowedGroups")} error={err("allowedGroups")} hint={t("sso.allowedGroupsHint")}>
          <LinesInput value={o.allowedGroups} onChange={setList("allowedGroups")} placeholder="backup-admins" />
        </Field>
        <Field label={t("sso.allowedDomains")} error={err("allowedDomains")} hint={t("sso.allowedDomainsHint")}>
          <LinesInput value={o.allowedDomains} onChange={setList("allowedDomains")} placeholder="example.com" />
        </Field>
      </div>
      <Check
        label={t("sso.autoCreate")}
        checked={o.autoCreateUsers}
        error={err("autoCreateUsers")}
        onChange={(v) =>
          edit((d) => {
            oidcOf(d).autoCreateUsers = v;
          })
        }
      />
    </>
  );
}
