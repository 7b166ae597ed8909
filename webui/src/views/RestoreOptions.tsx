// The choices of a restore beyond its first path: more paths of the same snapshot, a folder or the
// original place, what happens to files that already exist, and whether files the snapshot does not
// hold are deleted. Held by the restore dialog, sent as cairn's extensions of Backrest's request.
import { RestoreOverwrite } from "@gen/v1/operations_pb";
import { Field } from "../components/Field";
import { PathInput } from "../components/PathInput";
import { useTranslation } from "../i18n";

export type RestoreChoices = {
  inPlace: boolean;
  target: string;
  morePaths: string;
  overwrite: RestoreOverwrite;
  deleteExtra: boolean;
};

/** The overwrite modes in the order offered, each with its catalogue key. */
const MODES = [
  [RestoreOverwrite.REFUSE, "refuse"],
  [RestoreOverwrite.IF_CHANGED, "ifChanged"],
  [RestoreOverwrite.IF_NEWER, "ifNewer"],
  [RestoreOverwrite.ALWAYS, "always"],
  [RestoreOverwrite.NEVER, "never"],
] as const;

/** The extra paths typed, one per line, blanks dropped. */
export function extraPaths(c: RestoreChoices): string[] {
  return c.morePaths
    .split("\n")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

export function RestoreOptions(props: {
  value: RestoreChoices;
  onChange: (c: RestoreChoices) => void;
  error?: string;
  targetHint: string;
}) {
  const { t } = useTranslation("snapshots");
  const c = props.value;
  const set = (patch: Partial<RestoreChoices>) => props.onChange({ ...c, ...patch });
  const refuse = c.overwrite === RestoreOverwrite.REFUSE;
  return (
    <div className="stack">
      <fieldset className="stack">
        <legend className="field-label">{t("restore.where")}</legend>
        <label>
          <input type="radio" name="restore-where" checked={!c.inPlace} onChange={() => set({ inPlace: false })} />{" "}
          {t("restore.whereFolder")}
        </label>
        <label>
          <input type="radio" name="restore-where" checked={c.inPlace} onChange={() => set({ inPlace: true })} />{" "}
          {t("restore.whereInPlace")}
        </label>
      </fieldset>
      {c.inPlace ? (
        <p className="small muted">{t("restore.inPlaceHint")}</p>
      ) : (
        <Field label={t("restore.target")} error={props.error} hint={props.targetHint}>
          <PathInput value={c.target} onChange={(target) => set({ target })} />
        </Field>
      )}
      {c.inPlace && props.error && (
        <div className="field-error" role="alert">
          {props.error}
        </div>
      )}
      <Field label={t("restore.morePaths")} hint={t("restore.morePathsHint")}>
        <textarea rows={2} value={c.morePaths} translate="no" onChange={(e) => set({ morePaths: e.target.value })} />
      </Field>
      <Field label={t("restore.overwrite")}>
        <select
          value={c.overwrite}
          onChange={(e) => {
            const overwrite = Number(e.target.value) as RestoreOverwrite;
            set({ overwrite, deleteExtra: overwrite === RestoreOverwrite.REFUSE ? false : c.deleteExtra });
          }}
        >
          {MODES.map(([mode, key]) => (
            <option key={key} value={mode}>
              {t(`restore.modes.${key}`)}
            </option>
          ))}
        </select>
      </Field>
      <label>
        <input type="checkbox" disabled={refuse} checked={c.deleteExtra} onChange={(e) => set({ deleteExtra: e.target.checked })} />{" "}
        {t("restore.deleteExtra")}
      </label>
    </div>
  );
}
