// The peers page: this instance's identity, pairing in both directions (issue a token as a hub, paste
// one as a client), and the authorised clients and known hosts with their live session states.
import { useTranslation } from "../../i18n";
import { useConfig } from "../../state/config";
import { usePeerStates } from "../../state/peerStates";
import { ErrorBanner } from "../../components/Status";
import { Section } from "../settings/Section";
import { PairingTokens } from "./PairingTokens";
import { PairWithHub } from "./PairWithHub";
import { PeerList } from "./PeerList";

export function PeersPage() {
  const { t } = useTranslation("fleet");
  const { config } = useConfig();
  const { states, error } = usePeerStates();
  const mh = config?.multihost;
  return (
    <div className="stack">
      <h1>{t("peers.title")}</h1>
      <ErrorBanner error={error} />
      <Section title={t("identity.title")}>
        <dl className="kv">
          <dt>{t("identity.instance")}</dt>
          <dd translate="no">{config?.instance}</dd>
          <dt>{t("identity.keyid")}</dt>
          <dd translate="no">{mh?.identity?.keyid}</dd>
        </dl>
      </Section>
      <Section title={t("peers.clients")}>
        <PeerList role="client" peers={mh?.authorizedClients ?? []} states={states} />
      </Section>
      <Section title={t("tokens.title")}>
        <PairingTokens />
      </Section>
      <Section title={t("peers.hosts")}>
        <PeerList role="host" peers={mh?.knownHosts ?? []} states={states} />
      </Section>
      <Section title={t("pair.title")}>
        <PairWithHub />
      </Section>
    </div>
  );
}
