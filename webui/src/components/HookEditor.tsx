// Edits a repository's or plan's hooks: for each, what it does (a command or a notification), on which
// events it fires, and what a failure of the hook does to the task. Hooks run in list order.
//
// Error keys: `errors` is keyed relative to the hooks' owner (the repo or plan), as the server names
// them: `hooks[0]`, `hooks[0].conditions[1]`, `hooks[0].actionCommand.command`,
// `hooks[2].actionGotify.token`, ... A parent passes `errorsUnder(all, "plans[3]")` unchanged.
import type { Hook } from "@gen/v1/config_pb";
import { errorsUnder } from "../api/errors";
import { useTranslation } from "../i18n";
import { HookItem } from "./hooks/HookItem";
import { TemplateHelp } from "./hooks/TemplateHelp";
import { newHook } from "./hooks/hookValues";
import "../views/forms.css";

export { CONDITION_GROUPS } from "./hooks/HookConditions";

export function HookEditor(props: { hooks: Hook[]; onChange: (h: Hook[]) => void; errors?: Record<string, string> }) {
  const { hooks, onChange, errors = {} } = props;
  const { t } = useTranslation("plans");
  const set = (i: number, h: Hook) => onChange(hooks.map((x, j) => (j === i ? h : x)));
  const move = (i: number, by: number) => {
    const next = [...hooks];
    const [h] = next.splice(i, 1);
    next.splice(i + by, 0, h);
    onChange(next);
  };
  return (
    <div className="hook-editor stack">
      {hooks.length === 0 && <p className="muted">{t("hooks.none")}</p>}
      {hooks.map((h, i) => (
        <HookItem
          // Hooks have no id; the position is what the server's errors name too.
          key={i}
          index={i}
          count={hooks.length}
          hook={h}
          errors={errorsUnder(errors, `hooks[${i}]`)}
          onChange={(x) => set(i, x)}
          onRemove={() => onChange(hooks.filter((_, j) => j !== i))}
          onMove={(by) => move(i, by)}
        />
      ))}
      <div>
        <button type="button" onClick={() => onChange([...hooks, newHook()])}>
          {t("hooks.add")}
        </button>
      </div>
      {hooks.length > 0 && <TemplateHelp />}
    </div>
  );
}
