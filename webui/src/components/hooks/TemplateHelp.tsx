// The note below the hooks listing what their templates (Go syntax) can use.
import { Fragment } from "react";
import { Trans, intlLocale, useTranslation } from "../../i18n";

/** Code names (template fields, URL schemes) joined as a list in the language shown: "a, b and c". */
export function CodeList(props: { items: readonly string[] }) {
  const parts = new Intl.ListFormat(intlLocale(), { type: "conjunction" }).formatToParts(props.items);
  return (
    <>
      {parts.map((p, i) =>
        p.type === "element" ? (
          <code key={i} translate="no">
            {p.value}
          </code>
        ) : (
          <Fragment key={i}>{p.value}</Fragment>
        ),
      )}
    </>
  );
}

/** A piece of template code shown as an example. */
function Code(props: { text: string }) {
  return <code translate="no">{props.text}</code>;
}

const VARIABLES = [
  ".Event",
  ".Task",
  ".Summary",
  ".Error",
  ".Plan.Id",
  ".Repo.Id",
  ".Repo.Uri",
  ".SnapshotId",
  ".SnapshotStats",
  ".Duration",
  ".CurTime",
];
const CONSTRUCTS = ["{{ if .Error }}...{{ else }}...{{ end }}", "range", "with", "printf"];
const STATS = ["FilesNew", "FilesChanged", "DataAdded", "TotalBytesProcessed"];
const HELPERS = [".FormatTime", ".FormatDuration", ".FormatSizeBytes", ".IsError", ".ShellEscape", ".JsonMarshal"];

/** The template placeholders the example messages are written with. */
export const TEMPLATE_VALUES = { event: "{{ .Event }}", plan: "{{ .Plan.Id }}", summary: "{{ .Summary }}" };

export function TemplateHelp() {
  const { t } = useTranslation("plans");
  const example = t("hooks.templates.example", TEMPLATE_VALUES);
  return (
    <div className="template-help field-hint">
      <p>
        <Trans
          t={t}
          i18nKey="hooks.templates.intro"
          components={{ vars: <CodeList items={VARIABLES} />, example: <Code text={example} /> }}
        />
      </p>
      <details>
        <summary>{t("hooks.templates.more")}</summary>
        <ul>
          <li>
            <Trans
              t={t}
              i18nKey="hooks.templates.empty"
              components={{ summary: <Code text={TEMPLATE_VALUES.summary} />, constructs: <CodeList items={CONSTRUCTS} /> }}
            />
          </li>
          <li>
            <Trans
              t={t}
              i18nKey="hooks.templates.stats"
              components={{ stats: <Code text=".SnapshotStats" />, fields: <CodeList items={STATS} /> }}
            />
          </li>
          <li>
            <Trans
              t={t}
              i18nKey="hooks.templates.helpers"
              components={{
                helpers: <CodeList items={HELPERS} />,
                example: <Code text="{{ .FormatSizeBytes .SnapshotStats.DataAdded }}" />,
              }}
            />
          </li>
          <li>
            <Trans t={t} i18nKey="hooks.templates.repo" components={{ repo: <Code text=".Repo" /> }} />
          </li>
        </ul>
      </details>
    </div>
  );
}
