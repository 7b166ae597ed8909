// The note a lazily loaded tree level shows in place of its entries: loading, its error, or that it
// has none. Draws nothing once the level has entries.
import type { CSSProperties } from "react";
import { useTranslation } from "../i18n";

export function LevelNote(props: {
  level?: { loading: boolean; error?: string; entries?: readonly unknown[] };
  style: CSSProperties;
  /** What an empty level says. */
  empty: string;
}) {
  const { t } = useTranslation("common");
  const { level, style } = props;
  if (!level || level.loading)
    return (
      <div className="tree-note muted" style={style}>
        {t("loading")}
      </div>
    );
  if (level.error)
    return (
      <div className="tree-note field-error" style={style} role="alert">
        {level.error}
      </div>
    );
  if (!level.entries?.length)
    return (
      <div className="tree-note muted" style={style}>
        {props.empty}
      </div>
    );
  return null;
}
