// What a plan or repository page shows when its id is no longer configured.
import { href } from "../lib/router";
import type { IdKind } from "../lib/formErrors";
import { Trans, useTranslation } from "../i18n";

const TITLE = { plan: "missing.plan", repository: "missing.repository" } as const;

export function Missing({ what, id }: { what: IdKind; id: string }) {
  const { t } = useTranslation("shell");
  return (
    <div className="card">
      <h1>{t(TITLE[what], { id })}</h1>
      <p>
        <Trans t={t} i18nKey="missing.removed" components={{ home: <a href={href({ name: "dashboard" })} /> }} />
      </p>
    </div>
  );
}
