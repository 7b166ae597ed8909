// The settings page's "Single sign-on" card: the OpenID Connect provider (issuer, client id and secret,
// callback URL), which claims name a user and list their groups, who may sign in (groups or email
// domains) and whether first sign-ins create users. Saved with the other settings; the client secret is
// shown as a placeholder and kept unless replaced.
import { create } from "@bufbuild/protobuf";
import { OidcSchema, type Config, type Oidc } from "@gen/v1/config_pb";
import { Field, LinesInput } from "../../components/Field";
import { Check } from "../../components/FormKit";
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

type TextKey = "issuer" | "clientId" | "clientSecret" | "redirectUrl" | "usernameClaim" | "groupsClaim" | "buttonLabel";
type ListKey = "scopes" | "allowedGroups" | "allowedDomains";

export function SingleSignOn(props: DraftSectionProps) {
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
        Sign in through an OpenID Connect provider (Keycloak, Authentik, Authelia, Google, Entra ID…) beside local users. Register cairn as
        a confidential client with the callback URL <code>{o.redirectUrl || callbackHere()}</code>. Leave the issuer empty to turn single
        sign-on off.
      </p>
      <div className="grid-2">
        <Field label="Issuer URL" error={err("issuer")} hint="Exactly as the provider's discovery document states it.">
          <input value={o.issuer} onChange={setText("issuer")} placeholder="https://auth.example.com/realms/home" spellCheck={false} />
        </Field>
        <Field label="Client id" error={err("clientId")}>
          <input value={o.clientId} onChange={setText("clientId")} spellCheck={false} />
        </Field>
        <Field label="Client secret" error={err("clientSecret")} hint="Empty for a public client. Stored as a secret.">
          <input type="password" value={o.clientSecret} onChange={setText("clientSecret")} autoComplete="off" />
        </Field>
        <Field label="Callback URL" error={err("redirectUrl")} hint="Empty: made from the address the browser used.">
          <input value={o.redirectUrl} onChange={setText("redirectUrl")} placeholder={callbackHere()} spellCheck={false} />
        </Field>
        <Field label="User name claim" error={err("usernameClaim")} hint="Its value is the cairn user name.">
          <input value={o.usernameClaim} onChange={setText("usernameClaim")} placeholder="preferred_username" spellCheck={false} />
        </Field>
        <Field label="Groups claim" error={err("groupsClaim")}>
          <input value={o.groupsClaim} onChange={setText("groupsClaim")} placeholder="groups" spellCheck={false} />
        </Field>
        <Field label="Extra scopes" error={err("scopes")} hint="One per line, besides openid. Empty: profile and email.">
          <LinesInput value={o.scopes} onChange={setList("scopes")} placeholder="profile" />
        </Field>
        <Field label="Button text" error={err("buttonLabel")}>
          <input value={o.buttonLabel} onChange={setText("buttonLabel")} placeholder="Sign in with single sign-on" />
        </Field>
        <Field
          label="Allowed groups"
          error={err("allowedGroups")}
          hint="One per line. When groups or domains are listed, only their members may sign in."
        >
          <LinesInput value={o.allowedGroups} onChange={setList("allowedGroups")} placeholder="backup-admins" />
        </Field>
        <Field label="Allowed email domains" error={err("allowedDomains")} hint="One per line; the provider must have verified the email.">
          <LinesInput value={o.allowedDomains} onChange={setList("allowedDomains")} placeholder="example.com" />
        </Field>
      </div>
      <Check
        label="Create users at their first sign-in"
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
