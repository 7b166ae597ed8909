// Edits a Schedule: disabled, every N hours, every N days, or cron (with presets), its clock, and shows
// it in words with a preview of the next runs as cairn's scheduler would compute them (SchedulePreview).
//
// Error keys: `errors` is keyed relative to the object that holds the schedule (a plan, a prune/check/
// forget policy), so this editor reads `schedule`, `schedule.disabled`, `schedule.cron`,
// `schedule.maxFrequencyHours`, `schedule.maxFrequencyDays` and `schedule.clock`. A parent passes e.g.
// `errorsUnder(all, "plans[0]")` or `errorsUnder(repoErrors, "prunePolicy")` unchanged.
import { useRef } from "react";
import { create } from "@bufbuild/protobuf";
import { ScheduleSchema, Schedule_Clock, type Schedule } from "@gen/v1/config_pb";
import { Trans, useTranslation } from "../i18n";
import { Field } from "./Field";
import { NumberInput } from "./FormKit";
import { SchedulePreview } from "./SchedulePreview";
import { cronError, describeSchedule } from "../lib/schedule";
import "../views/forms.css";

type Kind = "disabled" | "hours" | "days" | "cron";

const CRON_PRESETS = [
  { key: "hourly", expr: "0 * * * *" },
  { key: "daily", expr: "0 3 * * *" },
  { key: "weekly", expr: "0 3 * * 0" },
  { key: "monthly", expr: "0 3 1 * *" },
] as const;

/** The `@alias` forms the cron hint names. */
const ALIASES = { a1: "@hourly", a2: "@daily", a3: "@weekly", a4: "@monthly" };

function kindOf(s: Schedule | undefined): Kind {
  switch (s?.schedule.case) {
    case "maxFrequencyHours":
      return "hours";
    case "maxFrequencyDays":
      return "days";
    case "cron":
      return "cron";
    default:
      return "disabled";
  }
}

interface Remembered {
  hours: number;
  days: number;
  cron: string;
}

function defaultMemory(): Remembered {
  return { hours: 6, days: 1, cron: "0 3 * * *" };
}

/** Notes the value of `schedule`'s kind in `r`. */
function remember(r: Remembered, schedule: Schedule["schedule"] | undefined): Remembered {
  if (schedule?.case === "maxFrequencyHours") r.hours = schedule.value;
  if (schedule?.case === "maxFrequencyDays") r.days = schedule.value;
  if (schedule?.case === "cron") r.cron = schedule.value;
  return r;
}

function CronPresets(props: { current: string; onPick: (expr: string) => void }) {
  const { t } = useTranslation("plans");
  return (
    <div className="chips">
      {CRON_PRESETS.map((p) => (
        <button
          key={p.expr}
          type="button"
          className="chip"
          aria-pressed={props.current.trim() === p.expr}
          onClick={() => props.onPick(p.expr)}
        >
          {t(`schedule.presets.${p.key}`)}
        </button>
      ))}
    </div>
  );
}

export function ScheduleEditor(props: {
  value: Schedule | undefined;
  onChange: (s: Schedule) => void;
  errors?: Record<string, string>;
  /** The label of the schedule select (default "Schedule", in the language shown). */
  label?: string;
  /** Offer the "Last run time" clock (Backrest's choice for prune and check); default true. */
  allowLastRunClock?: boolean;
  /** When the task last ran (ms), for the preview; unknown or never: the preview counts from now. */
  lastRunMs?: number | null;
}) {
  const { t } = useTranslation("plans");
  const { value, onChange, errors = {}, label = t("schedule.label"), allowLastRunClock = true, lastRunMs = null } = props;
  const kind = kindOf(value);
  const clock = value?.clock ?? Schedule_Clock.DEFAULT;
  // What each kind held last, so switching away and back does not lose a typed value.
  const remembered = useRef<Remembered | null>(null);
  const memory = (): Remembered => (remembered.current ??= remember(defaultMemory(), value?.schedule));

  const emit = (schedule: Schedule["schedule"], nextClock = clock) => {
    remember(memory(), schedule);
    onChange(create(ScheduleSchema, { schedule, clock: nextClock }));
  };

  const setKind = (k: Kind) => {
    const r = memory();
    if (k === "disabled") emit({ case: "disabled", value: true });
    if (k === "hours") emit({ case: "maxFrequencyHours", value: r.hours });
    if (k === "days") emit({ case: "maxFrequencyDays", value: r.days });
    if (k === "cron") emit({ case: "cron", value: r.cron });
  };

  const localCronError = value?.schedule.case === "cron" ? cronError(value.schedule.value) : null;
  const ownKeys = ["schedule.cron", "schedule.maxFrequencyHours", "schedule.maxFrequencyDays", "schedule.clock"];
  const selectError =
    Object.entries(errors)
      .filter(([k]) => (k === "schedule" || k.startsWith("schedule.")) && !ownKeys.includes(k))
      .map(([, v]) => v)
      .join("; ") || undefined;
  const clockShown = clock === Schedule_Clock.LOCAL || clock === Schedule_Clock.DEFAULT ? Schedule_Clock.LOCAL : clock;

  return (
    <div className="schedule-editor stack">
      <div className="schedule-row">
        <Field label={label} error={selectError}>
          <select value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            <option value="disabled">{t("schedule.kinds.disabled")}</option>
            <option value="hours">{t("schedule.kinds.hours")}</option>
            <option value="days">{t("schedule.kinds.days")}</option>
            <option value="cron">{t("schedule.kinds.cron")}</option>
          </select>
        </Field>
        {value?.schedule.case === "maxFrequencyHours" && (
          <Field label={t("schedule.hours")} error={errors["schedule.maxFrequencyHours"]}>
            <NumberInput value={value.schedule.value} min={1} onChange={(n) => emit({ case: "maxFrequencyHours", value: Math.trunc(n) })} />
          </Field>
        )}
        {value?.schedule.case === "maxFrequencyDays" && (
          <Field label={t("schedule.days")} error={errors["schedule.maxFrequencyDays"]}>
            <NumberInput value={value.schedule.value} min={1} onChange={(n) => emit({ case: "maxFrequencyDays", value: Math.trunc(n) })} />
          </Field>
        )}
        {kind !== "disabled" && (
          <Field label={t("schedule.clock")} error={errors["schedule.clock"]}>
            <select
              value={clockShown}
              onChange={(e) => emit(value?.schedule ?? { case: undefined }, Number(e.target.value) as Schedule_Clock)}
            >
              <option value={Schedule_Clock.LOCAL}>{t("schedule.clocks.local")}</option>
              <option value={Schedule_Clock.UTC}>{t("schedule.clocks.utc")}</option>
              {(allowLastRunClock || clock === Schedule_Clock.LAST_RUN_TIME) && (
                <option value={Schedule_Clock.LAST_RUN_TIME}>{t("schedule.clocks.lastRun")}</option>
              )}
            </select>
          </Field>
        )}
      </div>

      {value?.schedule.case === "cron" && (
        <Field
          label={t("schedule.cronExpression")}
          error={errors["schedule.cron"] ?? localCronError ?? undefined}
          hint={
            <Trans t={t} i18nKey="schedule.cronHint" values={{ example: "30 2 * * 1-5", ...ALIASES }} components={{ code: <code /> }} />
          }
        >
          <input
            type="text"
            className="mono"
            translate="no"
            value={value.schedule.value}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => emit({ case: "cron", value: e.target.value })}
          />
        </Field>
      )}
      {value?.schedule.case === "cron" && (
        <CronPresets current={value.schedule.value} onPick={(expr) => emit({ case: "cron", value: expr })} />
      )}

      {kind !== "disabled" && <p className="field-hint">{kind === "cron" ? t("schedule.cronNote") : t("schedule.intervalNote")}</p>}

      <div className="schedule-summary" aria-live="polite">
        <div className="schedule-desc">{kind === "disabled" ? t("schedule.disabledNote") : describeSchedule(value)}</div>
        {kind !== "disabled" && <SchedulePreview value={value} lastRunMs={lastRunMs} cronInvalid={localCronError !== null} />}
      </div>
    </div>
  );
}
