// The "Next runs" of a schedule as cairn's scheduler would compute them, counted from the last run (or
// now), computed and shown in the time zone cron fires in on the server, which the preview names.
import { useEffect, useState } from "react";
import { Schedule_Clock, type Schedule } from "@gen/v1/config_pb";
import { i18n, intlLocale, useTranslation } from "../i18n";
import { formatRelative } from "../lib/format";
import { previewZone } from "../lib/previewZone";
import { nextRuns } from "../lib/schedule";
import { useServerTimeZone } from "./useServerTimeZone";

const PREVIEW_COUNT = 5;

function formatRun(d: Date, now: number, timeZone: string): string {
  const time = d.toLocaleString(intlLocale(), {
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
  });
  return i18n.t("plans:preview.run", { time, relative: formatRelative(d.getTime(), now) });
}

/** The current time, refreshed every minute so the preview stays true while the form is open. */
function useMinuteClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

/** `cronInvalid`: the editor shows the expression's error already; the preview only waits for a fix. */
export function SchedulePreview(props: { value: Schedule | undefined; lastRunMs: number | null; cronInvalid: boolean }) {
  const { value, lastRunMs } = props;
  const { t } = useTranslation("plans");
  const now = useMinuteClock();
  const { zone, text } = previewZone(value?.clock ?? Schedule_Clock.DEFAULT, useServerTimeZone());
  const runs = nextRuns(value, PREVIEW_COUNT, lastRunMs, now, zone);
  return (
    <div className="schedule-preview">
      <h4>{t("preview.title")}</h4>
      {Array.isArray(runs) ? (
        <>
          <ol>
            {runs.map((d) => (
              <li key={d.getTime()}>{formatRun(d, now, zone)}</li>
            ))}
          </ol>
          <div className="field-hint">
            {lastRunMs === null ? t("preview.fromNow", { where: text }) : t("preview.fromLastRun", { where: text })}
          </div>
        </>
      ) : "note" in runs ? (
        <div className="field-hint">{runs.note}</div>
      ) : props.cronInvalid ? (
        <div className="field-hint">{t("preview.waitingForCron")}</div>
      ) : (
        <div className="field-error">{runs.error}</div>
      )}
    </div>
  );
}
